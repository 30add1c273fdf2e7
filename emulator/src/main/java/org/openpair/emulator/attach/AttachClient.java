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
import org.openpair.emulator.codec.Codec;
import org.openpair.emulator.codec.CodecException;
import org.openpair.emulator.security.NodeKey;
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
    /** A guest (the command) fails its calls when the CPU goes; an attached process halts instead. */
    private final boolean haltOnLoss;
    /** Why the connection was lost, once it was; only a guest lives on to read it. */
    private volatile String lost;
    /** Set by this package's protocol tests to make the child stop reading, as a wedged one would. */
    volatile boolean deaf;
    /**
     * Set by this package's tests before a call, to stop reading right after that call's answer.
     * The reader looks at it before it routes a frame: looked at after, the caller woken by the
     * answer before could set it first, and the reader would go deaf one frame early.
     */
    volatile boolean deafAfterNextFrame;

    private AttachClient(AttachChannel channel, boolean haltOnLoss) {
        this.channel = channel;
        this.haltOnLoss = haltOnLoss;
    }

    /** Connects, says HELLO, and returns the client with the WELCOME payload read. */
    static Connected connect(Path socket, long verifier, String secretHex) throws IOException, AttachProtocolException {
        AttachChannel ch = open(socket);
        return hello(new AttachClient(ch, true), new AttachCodecs.Hello(verifier, HexFormat.of().parseHex(secretHex)), null);
    }

    /**
     * Connects to an admin socket as a guest (verifier 0, no secret). A CPU that does not
     * WELCOME within {@code bound} (a frozen JVM still accepts, the kernel queues the connection)
     * is given up: the connection is closed and this throws.
     */
    static Connected connectGuest(Path socket, long boundMillis) throws IOException, AttachProtocolException {
        return connectGuest(socket, boundMillis, null);
    }

    /** As {@link #connectGuest(Path, long)}, proving {@code key} (null: none); see {@link AdminProof}. */
    static Connected connectGuest(Path socket, long boundMillis, NodeKey key) throws IOException, AttachProtocolException {
        AttachChannel ch = open(socket);
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(boundMillis);
            } catch (InterruptedException e) {
                return;
            }
            if (done.compareAndSet(false, true)) {
                ch.close();
            }
        }, "openpair-admin-connect");
        watchdog.setDaemon(true);
        watchdog.start();
        try {
            byte[] nonce = key == null ? new byte[0] : AdminProof.nonce();
            Connected c = hello(new AttachClient(ch, false), new AttachCodecs.Hello(0, nonce), key);
            if (!done.compareAndSet(false, true)) {
                c.client().close();
                throw new IOException("no WELCOME from " + socket + " within " + boundMillis + " ms");
            }
            return c;
        } catch (IOException | AttachProtocolException | RuntimeException e) {
            done.set(true);
            ch.close();
            throw e;
        } finally {
            watchdog.interrupt();
        }
    }

    private static AttachChannel open(Path socket) throws IOException {
        SocketChannel socketChannel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            socketChannel.connect(UnixDomainSocketAddress.of(socket));
            return new AttachChannel(socketChannel);
        } catch (IOException | RuntimeException e) {
            socketChannel.close();
            throw e;
        }
    }

    /** @param key a guest's node key, whose proof follows the WELCOME (null: none) */
    private static Connected hello(AttachClient c, AttachCodecs.Hello hello, NodeKey key)
            throws IOException, AttachProtocolException {
        AttachChannel ch = c.channel;
        AttachFrames.write(ch, AttachFrames.encode(AttachFrames.HELLO, 0, AttachCodecs.HELLO.encode(hello)));
        Frame welcome = AttachFrames.read(ch, AttachFrames.MAX_BODY, inside -> { });
        if (welcome.type() == AttachFrames.ERROR) {
            AttachCodecs.Failure refusal;
            try {
                refusal = AttachCodecs.read(AttachCodecs.FAILURE, welcome.payload());
            } catch (CodecException e) {
                throw new AttachProtocolException("bad ERROR in answer to HELLO: " + e.getMessage());
            }
            throw new GuardianException(GuardianError.of(refusal.error()), refusal.message());
        }
        if (welcome.type() != AttachFrames.WELCOME) {
            throw new AttachProtocolException("expected WELCOME, got frame type " + welcome.type());
        }
        AttachCodecs.Welcome w;
        try {
            w = AttachCodecs.read(AttachCodecs.WELCOME, welcome.payload());
        } catch (CodecException e) {
            throw new AttachProtocolException("bad WELCOME: " + e.getMessage());
        }
        if (key != null) {
            AdminProof.answer(ch, key, w, hello.secret());
        }
        Thread reader = new Thread(c::read, "openpair-attach-reader");
        reader.setDaemon(true);
        reader.start();
        return new Connected(c, w);
    }

    record Connected(AttachClient client, AttachCodecs.Welcome welcome) {
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

    /** A guest is done: closes the connection, which ends its session on the CPU. */
    void close() {
        ending = true;
        channel.close();
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
                    AttachCodecs.SignalNote note = AttachCodecs.read(AttachCodecs.SIGNAL_NOTE, f.payload());
                    org.openpair.guardian.Signal s = note.signal();
                    signalsIn.execute(() -> {
                        if (s == org.openpair.guardian.Signal.SIGTIMEOUT) {
                            // The CPU ends a process whose JVM does not take its SIGTIMEOUT in time.
                            try {
                                callAsync(AttachCalls.SIGNAL_TAKEN, s);
                            } catch (RuntimeException gone) {
                                // The CPU is gone: the reader halts this JVM.
                            }
                        }
                        onSignal.signal(s, note.sender());
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
            if (!haltOnLoss) {
                lost = e.toString();
                channel.close();
                return;
            }
            if (!ending) {
                System.err.println("openpair: lost the connection to the CPU (" + e + "); halting");
                System.err.flush();
                Runtime.getRuntime().halt(70);
            }
        }
    }

    private void send(long id, byte[] payload) {
        synchronized (writeLock) {
            try {
                AttachFrames.write(channel, AttachFrames.encode(AttachFrames.CALL, id, payload));
            } catch (IOException e) {
                throw new GuardianException(GuardianError.DEVICE_DOWN, "the CPU is gone: " + e.getMessage());
            }
        }
    }

    /**
     * A call's payload. An argument the codec cannot write (a string with a lone surrogate, a
     * null where the API wants a value) is the caller's error 2, as it never reaches the CPU.
     */
    private static <A> byte[] write(AttachCalls.Call<A, ?> call, A args) {
        try {
            return call.write(args);
        } catch (CodecException e) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "cannot send the call: " + e.getMessage());
        }
    }

    /**
     * A call that waits for its answer; {@code interim} receives APPLY frames on the caller's
     * thread. An interrupt of the caller cancels the CPU-side call (which answers at once) and
     * is restored afterwards.
     */
    <A, R> R call(AttachCalls.Call<A, R> call, A args, Consumer<byte[]> interim) {
        long id = ids.incrementAndGet();
        LinkedBlockingQueue<Frame> q = new LinkedBlockingQueue<>();
        calls.put(id, q);
        boolean interrupted = false;
        try {
            send(id, write(call, args));
            while (true) {
                Frame f;
                try {
                    // A guest looks up now and then whether the connection is gone; a process halts then.
                    f = haltOnLoss ? q.take() : q.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
                    if (f == null) {
                        String why = lost;
                        if (why != null && q.isEmpty()) {
                            throw new GuardianException(GuardianError.DEVICE_DOWN, "lost the connection to the CPU: " + why);
                        }
                        continue;
                    }
                } catch (InterruptedException e) {
                    if (!interrupted) {
                        interrupted = true;
                        send(id, AttachCalls.CANCEL.write(AttachCodecs.Nothing.VALUE));
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
                return answer(f, call.result());
            }
        } finally {
            calls.remove(id);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    <A, R> R call(AttachCalls.Call<A, R> call, A args) {
        return call(call, args, null);
    }

    /** A call answered later, on the completions thread. */
    <A, R> CompletableFuture<R> callAsync(AttachCalls.Call<A, R> call, A args) {
        long id = ids.incrementAndGet();
        CompletableFuture<R> f = new CompletableFuture<>();
        asyncCalls.put(id, frame -> {
            try {
                f.complete(answer(frame, call.result()));
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        try {
            send(id, write(call, args));
        } catch (RuntimeException e) {
            asyncCalls.remove(id);
            throw e;
        }
        return f;
    }

    /**
     * An OK frame's answer, or the GuardianException an ERROR frame carries. An answer the codec
     * refuses is the CPU's fault, reported to the caller as error 2.
     */
    static <R> R answer(Frame f, Codec<R> result) {
        if (f.type() != AttachFrames.OK && f.type() != AttachFrames.ERROR) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "unexpected answer frame " + f.type());
        }
        boolean ok = f.type() == AttachFrames.OK;
        AttachCodecs.Failure failure;
        try {
            if (ok) {
                return AttachCodecs.read(result, f.payload());
            }
            failure = AttachCodecs.read(AttachCodecs.FAILURE, f.payload());
        } catch (CodecException bad) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "undecodable " + (ok ? "answer" : "error")
                    + " from the CPU: " + bad.getMessage());
        }
        GuardianError e;
        try {
            e = GuardianError.of(failure.error());
        } catch (RuntimeException unknown) {
            e = GuardianError.INVALID_OPERATION;
        }
        throw new RemoteError(e, failure.message(), failure.syncId());
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
