package org.openpair.emulator.attach;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.openpair.emulator.attach.AttachFrames.Frame;
import org.openpair.emulator.codec.GuardianCodecs;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * The child's end of the attach socket: sends calls, and on one reader thread routes each
 * answer to the call that waits for it. Futures of asynchronous calls complete on a thread of
 * their own, in arrival order, so a callback that calls the CPU again cannot block the reader.
 * If the CPU goes away the child halts: a process does not outlive its CPU.
 */
final class AttachClient {
    private final AttachChannel channel;
    private final Object writeLock = new Object();
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, LinkedBlockingQueue<Frame>> calls = new ConcurrentHashMap<>();
    private final Map<Long, Consumer<Frame>> asyncCalls = new ConcurrentHashMap<>();
    private final ExecutorService completions = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "openpair-attach-completions");
        t.setDaemon(true);
        return t;
    });
    private volatile Runnable onStop = () -> { };
    private volatile SignalSink onSignal = (s, sender) -> { };
    /**
     * Acts on the CPU's SIGNAL frames in order, off the reader: a default action that ends the
     * process makes a call (SIGNAL_END), whose answer the reader must stay free to route.
     */
    private final ExecutorService signalsIn = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "openpair-attach-signals-in");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean ending;
    /** Set by this package's protocol tests to make the child stop reading, as a wedged one would. */
    volatile boolean deaf;
    /**
     * Set by this package's tests before a call, to stop reading right after that call's answer.
     * The reader looks at it before it routes a frame: looked at after, the caller woken by the
     * answer before could set it first, and the reader would go deaf one frame early.
     */
    volatile boolean deafAfterNextFrame;

    private AttachClient(AttachChannel channel) {
        this.channel = channel;
    }

    /** Connects, says HELLO, and returns the client with the WELCOME payload read. */
    static Connected connect(Path socket, long verifier, String secretHex) throws IOException, AttachProtocolException {
        SocketChannel socketChannel = SocketChannel.open(StandardProtocolFamily.UNIX);
        AttachChannel ch;
        try {
            socketChannel.connect(UnixDomainSocketAddress.of(socket));
            ch = new AttachChannel(socketChannel);
        } catch (IOException | RuntimeException e) {
            socketChannel.close();
            throw e;
        }
        AttachClient c = new AttachClient(ch);
        byte[] hello = new Wire.Out().i64(verifier).bytes(HexFormat.of().parseHex(secretHex)).toBytes();
        AttachFrames.write(ch, AttachFrames.encode(AttachFrames.HELLO, 0, hello));
        Frame welcome = AttachFrames.read(ch, AttachFrames.MAX_BODY, inside -> { });
        if (welcome.type() != AttachFrames.WELCOME) {
            throw new AttachProtocolException("expected WELCOME, got frame type " + welcome.type());
        }
        Thread reader = new Thread(c::read, "openpair-attach-reader");
        reader.setDaemon(true);
        reader.start();
        return new Connected(c, new Wire.In(welcome.payload()));
    }

    record Connected(AttachClient client, Wire.In welcome) {
    }

    /** Writes bytes as they are, bypassing the framing: for this package's protocol tests. */
    void sendRaw(byte[] bytes) throws IOException {
        synchronized (writeLock) {
            AttachFrames.write(channel, java.nio.ByteBuffer.wrap(bytes));
        }
    }

    void onStop(Runnable r) {
        onStop = r;
    }

    /** Receives the signals the CPU routes to this process. */
    interface SignalSink {
        void signal(org.openpair.guardian.Signal signal, org.openpair.guardian.ProcessHandle sender);
    }

    void onSignal(SignalSink sink) {
        onSignal = sink;
    }

    /** The program has ended: the close that follows is expected. */
    void ending() {
        ending = true;
    }

    private void read() {
        try {
            while (true) {
                while (deaf) {
                    java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
                }
                Frame f = AttachFrames.read(channel, AttachFrames.MAX_BODY, inside -> { });
                if (deafAfterNextFrame) {
                    deaf = true;
                }
                if (f.type() == AttachFrames.STOP) {
                    onStop.run();
                    continue;
                }
                if (f.type() == AttachFrames.SIGNAL) {
                    Wire.In in = new Wire.In(f.payload());
                    org.openpair.guardian.Signal s = in.constant(GuardianCodecs.SIGNAL);
                    org.openpair.guardian.ProcessHandle sender = ApiCodec.optHandle(in);
                    in.end();
                    signalsIn.execute(() -> {
                        if (s == org.openpair.guardian.Signal.SIGTIMEOUT) {
                            // The CPU ends a process whose JVM does not take its SIGTIMEOUT in time.
                            try {
                                callAsync(AttachFrames.Op.SIGNAL_TAKEN, new Wire.Out().constant(GuardianCodecs.SIGNAL, s), taken -> null);
                            } catch (RuntimeException gone) {
                                // The CPU is gone: the reader halts this JVM.
                            }
                        }
                        onSignal.signal(s, sender);
                    });
                    continue;
                }
                LinkedBlockingQueue<Frame> q = calls.get(f.callId());
                if (q != null) {
                    q.add(f);
                    continue;
                }
                Consumer<Frame> async = asyncCalls.remove(f.callId());
                if (async != null) {
                    completions.execute(() -> async.accept(f));
                }
            }
        } catch (IOException | AttachProtocolException | RuntimeException e) {
            if (!ending) {
                System.err.println("openpair: lost the connection to the CPU (" + e + "); halting");
                System.err.flush();
                Runtime.getRuntime().halt(70);
            }
        }
    }

    private void send(byte op, long id, byte[] args) {
        byte[] payload = new byte[args.length + 1];
        payload[0] = op;
        System.arraycopy(args, 0, payload, 1, args.length);
        synchronized (writeLock) {
            try {
                AttachFrames.write(channel, AttachFrames.encode(AttachFrames.CALL, id, payload));
            } catch (IOException e) {
                throw new GuardianException(GuardianError.DEVICE_DOWN, "the CPU is gone: " + e.getMessage());
            }
        }
    }

    /**
     * A call that waits for its answer; {@code interim} receives APPLY frames on the caller's
     * thread. An interrupt of the caller cancels the CPU-side call (which answers at once) and
     * is restored afterwards.
     */
    Wire.In call(byte op, Wire.Out args, Consumer<byte[]> interim) {
        long id = ids.incrementAndGet();
        LinkedBlockingQueue<Frame> q = new LinkedBlockingQueue<>();
        calls.put(id, q);
        boolean interrupted = false;
        try {
            send(op, id, args.toBytes());
            while (true) {
                Frame f;
                try {
                    f = q.take();
                } catch (InterruptedException e) {
                    if (!interrupted) {
                        interrupted = true;
                        send(AttachFrames.Op.CANCEL, id, new byte[0]);
                    }
                    continue;
                }
                if (f.type() == AttachFrames.APPLY) {
                    byte[] record = new byte[f.payload().remaining()];
                    f.payload().get(record);
                    if (interim != null) {
                        interim.accept(record);
                    }
                    continue;
                }
                return answer(f);
            }
        } finally {
            calls.remove(id);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    Wire.In call(byte op, Wire.Out args) {
        return call(op, args, null);
    }

    /** A call answered later: {@code decode} turns the answer into the future's value. */
    <T> CompletableFuture<T> callAsync(byte op, Wire.Out args, Decoder<T> decode) {
        long id = ids.incrementAndGet();
        CompletableFuture<T> f = new CompletableFuture<>();
        asyncCalls.put(id, frame -> {
            try {
                f.complete(decode.decode(answer(frame)));
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            } catch (AttachProtocolException e) {
                f.completeExceptionally(new GuardianException(GuardianError.INVALID_OPERATION, e.getMessage()));
            }
        });
        try {
            send(op, id, args.toBytes());
        } catch (RuntimeException e) {
            asyncCalls.remove(id);
            throw e;
        }
        return f;
    }

    interface Decoder<T> {
        T decode(Wire.In in) throws AttachProtocolException;
    }

    /** An OK frame's payload, or the GuardianException an ERROR frame carries. */
    private static Wire.In answer(Frame f) {
        Wire.In in = new Wire.In(f.payload());
        if (f.type() == AttachFrames.OK) {
            return in;
        }
        if (f.type() != AttachFrames.ERROR) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "unexpected answer frame " + f.type());
        }
        try {
            int error = in.i32();
            String message = in.str();
            long syncId = in.i64();
            GuardianError e;
            try {
                e = GuardianError.of(error);
            } catch (RuntimeException unknown) {
                e = GuardianError.INVALID_OPERATION;
            }
            throw new RemoteError(e, message, syncId);
        } catch (AttachProtocolException bad) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "undecodable error from the CPU: " + bad.getMessage());
        }
    }

    /** A Guardian error from the CPU, with the sync ID a failed WRITEREAD consumed (-1 otherwise). */
    static final class RemoteError extends GuardianException {
        private static final long serialVersionUID = 1L;
        final long syncId;

        RemoteError(GuardianError error, String message, long syncId) {
            super(error, message);
            this.syncId = syncId;
        }
    }
}
