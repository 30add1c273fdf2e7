package org.openpair.emulator.attach;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.Supplier;

import org.openpair.emulator.attach.AttachCalls.Call;
import org.openpair.emulator.attach.AttachCodecs.Nothing;
import org.openpair.emulator.attach.AttachFrames.Frame;
import org.openpair.emulator.attach.AttachFrames.Op;
import org.openpair.emulator.codec.Codec;
import org.openpair.emulator.codec.CodecException;
import org.openpair.emulator.codec.Decoder;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.Signal;

/**
 * One connection on a CPU's attach socket, from HELLO to close, read by one thread. Each call is
 * looked up in a table the API areas fill ({@link ProcessCalls}, {@link MessageCalls},
 * {@link SemaphoreCalls}, {@link GuardianCalls}), its arguments read by the call's codec. Calls
 * that return at once (role, an asynchronous checkpoint, a reply) run on the reader, which keeps
 * their order; calls that wait run on the server's pool, at most {@link #MAX_WAITING} at a time
 * per connection. Whatever the peer sends that breaks the protocol closes this connection with a
 * logged error and nothing else: for an attached process that is its death, as a lost socket is.
 */
final class AttachSession implements Attachee.Attachment {
    private static final System.Logger LOG = System.getLogger(AttachSession.class.getName());
    /** Calls of one process that may wait on the CPU at once; further ones are refused with 44. */
    static final int MAX_WAITING = 64;
    /** Answers queued for a child beyond this mean it stopped reading: its connection is closed. */
    static final long MAX_QUEUED_BYTES = 64L << 20;
    /** A backup's awaitTakeover waits while this much is queued, instead of queueing more. */
    static final long APPLY_PAUSE_BYTES = 8L << 20;
    /** Opens (and, apart, semaphores) one process may hold through the socket; further ones are refused with 44. */
    static final int MAX_FILES = 1024;

    private final AttachServer server;
    private final AttachChannel channel;
    private final AttachOutbox outbox;
    private final long openedAt = System.nanoTime();
    private final Map<Long, Waiting> waiting = new ConcurrentHashMap<>();
    private final AtomicInteger waitingCount = new AtomicInteger();
    /** The calls this connection serves, by {@link Call#key}; filled once, at HELLO, before any call is read. */
    private final Map<Integer, Handler<?>> handlers = new HashMap<>();
    private volatile Attachee attachee;
    private volatile ProcessContext context;
    private volatile MessageCalls messages;
    private volatile SemaphoreCalls semaphores;
    /** When the first byte of the frame being read arrived; 0 between frames. */
    private volatile long midFrameSince;
    private volatile String abortReason;
    /** The program reported its end: the connection's close that follows is not a death. */
    private volatile boolean ending;
    private volatile boolean closed;
    private volatile boolean endAnswered;
    private volatile boolean closeDeferred;

    AttachSession(AttachServer server, AttachChannel channel) {
        this.server = server;
        this.channel = channel;
        this.outbox = new AttachOutbox(channel, server.calls());
    }

    /** Why the watchdog should close this connection now, or null. */
    String overdue(long now, long handshakeNanos, long stallNanos) {
        if (attachee == null && now - openedAt > handshakeNanos) {
            return "no HELLO within " + Duration.ofNanos(handshakeNanos).toMillis() + " ms";
        }
        long since = midFrameSince;
        if (since != 0 && now - since > stallNanos) {
            return "stalled inside a frame for " + Duration.ofNanos(now - since).toMillis() + " ms";
        }
        long writing = outbox.writingSince();
        if (writing != 0 && now - writing > stallNanos) {
            return "stopped reading: a write to it has been blocked for " + Duration.ofNanos(now - writing).toMillis() + " ms";
        }
        return null;
    }

    /** Closes the connection for a protocol reason; the reader logs it and reports the loss. */
    void abort(String why) {
        abortReason = why;
        channel.close();
    }

    private String who() {
        ProcessContext c = context;
        return "CPU " + server.cpu() + " attach connection" + (c == null ? "" : " of " + c.self().descriptor(c.name().orElse(null)));
    }

    void run() {
        String lostWhy = null;
        boolean byPeer = true;
        try {
            hello();
            while (true) {
                Frame f = AttachFrames.read(channel, AttachFrames.MAX_BODY, this::progress);
                if (f.type() != AttachFrames.CALL) {
                    throw new AttachProtocolException("frame type " + f.type() + " where a CALL was expected");
                }
                dispatch(f.callId(), f.payload());
            }
        } catch (EOFException e) {
            lostWhy = "the connection was closed";
        } catch (AttachProtocolException e) {
            lostWhy = "protocol error: " + e.getMessage();
            byPeer = false;
            LOG.log(System.Logger.Level.ERROR, "{0}: {1}; closing it", who(), lostWhy);
        } catch (IOException e) {
            if (abortReason != null) {
                lostWhy = "protocol error: " + abortReason;
                byPeer = false;
                LOG.log(System.Logger.Level.ERROR, "{0}: {1}; closed it", who(), abortReason);
            } else {
                lostWhy = e instanceof ClosedChannelException ? "the connection was closed"
                        : "connection error: " + e.getMessage();
                LOG.log(System.Logger.Level.DEBUG, "{0}: {1}", who(), lostWhy);
            }
        } catch (RuntimeException e) {
            lostWhy = "internal error: " + e;
            byPeer = false;
            LOG.log(System.Logger.Level.ERROR, who() + ": internal error; closing it", e);
        } finally {
            Attachee a = attachee;
            // A close by the CPU (the process's end, already recorded) is no loss to report.
            boolean report = a != null && !ending && lostWhy != null && !closed;
            if (report && !byPeer) {
                // Recorded before the close, or the child's own exit on the close could be taken for its death.
                a.lost(lostWhy, false);
            }
            close();
            server.ended(this, a != null);
            if (report && byPeer) {
                a.lost(lostWhy, true);
            }
        }
    }

    private void progress(boolean inside) {
        midFrameSince = inside ? System.nanoTime() : 0;
    }

    private void hello() throws IOException, AttachProtocolException {
        Frame f = AttachFrames.read(channel, AttachFrames.MAX_HELLO_BODY, this::progress);
        if (f.type() != AttachFrames.HELLO) {
            throw new AttachProtocolException("frame type " + f.type() + " before HELLO");
        }
        AttachCodecs.Hello hello;
        try {
            hello = AttachCodecs.read(AttachCodecs.HELLO, f.payload());
        } catch (CodecException e) {
            throw new AttachProtocolException("bad HELLO: " + e.getMessage());
        }
        Attachee a = server.claim(hello.verifier(), hello.secret());
        if (a == null) {
            throw new AttachProtocolException("HELLO for process verifier " + hello.verifier()
                    + " with a wrong secret, or that process is not waiting to attach");
        }
        ProcessContext c = a.context();
        context = c;
        attachee = a;
        server.authenticated(this);
        messages = new MessageCalls(this, c);
        semaphores = new SemaphoreCalls(this, c);
        ProcessCalls.register(this, c);
        GuardianCalls.register(this, c.guardian());
        registerLifecycle();
        send(AttachFrames.WELCOME, f.callId(), AttachCodecs.WELCOME.encode(new AttachCodecs.Welcome(c.self(),
                c.name().orElse(null), c.args(), c.env(), c.guardian().nodeName())));
        a.attached(this);
    }

    /** The calls about the connection itself: the program's end, a signal's, and a cancel. */
    private void registerLifecycle() {
        on(AttachCalls.END, (id, end) -> {
            ending = true;
            attachee.ended(end.abended(), end.detail());
            answerEnd(id);
        });
        on(AttachCalls.SIGNAL_END, (id, note) -> {
            if (note.signal().defaultAction() != Signal.Default.TERMINATE) {
                throw new AttachProtocolException(note.signal() + " does not end a process by default");
            }
            ending = true;
            attachee.signalled(note.signal(), note.sender());
            answerEnd(id);
        });
        on(AttachCalls.SIGNAL_TAKEN, (id, signal) -> {
            attachee.signalTaken(signal);
            ok(id, AttachCodecs.NOTHING, Nothing.VALUE);
        });
        on(AttachCalls.CANCEL, (id, nothing) -> {
            Waiting w = waiting.get(id);
            if (w != null) {
                w.cancel();
            }
        });
    }

    // ---- the call table ---------------------------------------------------------------------

    /** What the CPU does with one call's arguments; a protocol breach ends the connection. */
    interface Runner<A> {
        void run(long id, A args) throws AttachProtocolException;
    }

    private record Handler<A>(Call<A, ?> call, Runner<A> runner) {
        @SuppressWarnings("unchecked")
        void run(long id, Object args) throws AttachProtocolException {
            runner.run(id, (A) args);
        }
    }

    /** Serves {@code call} with {@code runner}, which answers it itself. */
    <A> void on(Call<A, ?> call, Runner<A> runner) {
        if (handlers.put(call.key(), new Handler<>(call, runner)) != null) {
            throw new IllegalStateException("call " + call.op() + "/" + call.procedure() + " is served twice");
        }
    }

    /** A call answered at once, on the reader, in the order the child sent it. */
    <A, R> void inline(Call<A, R> call, Function<A, R> run) {
        on(call, (id, args) -> answer(id, call.result(), () -> run.apply(args)));
    }

    /** A call that may wait, answered from the server's pool. */
    <A, R> void waiting(Call<A, R> call, Function<A, R> run) {
        on(call, (id, args) -> waiting(id, call.result(), () -> run.apply(args)));
    }

    /** A call answered when its future completes. */
    <A, R> void later(Call<A, R> call, Function<A, CompletableFuture<R>> run) {
        on(call, (id, args) -> {
            CompletableFuture<R> f;
            try {
                f = run.apply(args);
            } catch (RuntimeException e) {
                error(id, e);
                return;
            }
            later(id, call.result(), f);
        });
    }

    private void dispatch(long id, ByteBuffer payload) throws AttachProtocolException {
        Decoder in = AttachCodecs.decoder(payload);
        Handler<?> h;
        Object args;
        try {
            int op = in.i8();
            int procedure = op == Op.GUARDIAN ? in.i8() : 0;
            h = handlers.get(Call.key(op, procedure));
            if (h == null) {
                throw new AttachProtocolException(op == Op.GUARDIAN ? "unknown Guardian procedure " + procedure
                        : "unknown call " + op);
            }
            args = in.value(h.call().args());
            in.end(h.call().args().name());
        } catch (CodecException e) {
            throw new AttachProtocolException(e.getMessage());
        }
        h.run(id, args);
    }

    // ---- running and answering ----------------------------------------------------------------

    /** Answers the call that reported the process's end, then closes as the retirement asked. */
    private void answerEnd(long id) {
        ok(id, AttachCodecs.NOTHING, Nothing.VALUE);
        outbox.awaitWritten(1000);
        endAnswered = true;
        if (closeDeferred) {
            close();
        }
    }

    /** Runs {@code call} and answers with what it returns or throws. */
    private <R> void answer(long id, Codec<R> result, Supplier<R> call) {
        byte[] bytes;
        try {
            bytes = result.encode(call.get());
        } catch (RuntimeException e) {
            error(id, e);
            return;
        }
        send(AttachFrames.OK, id, bytes);
    }

    /** Runs a call that may wait on the pool; {@code id} is the call's, which a CANCEL names. */
    <R> void waiting(long id, Codec<R> result, Supplier<R> call) {
        if (waitingCount.incrementAndGet() > MAX_WAITING) {
            waitingCount.decrementAndGet();
            error(id, new GuardianException(GuardianError.NO_ROOM, MAX_WAITING + " calls of this process are waiting already"));
            return;
        }
        // Registered before it can run, so a CANCEL right behind it finds it.
        Waiting w = new Waiting();
        waiting.put(id, w);
        try {
            server.calls().execute(() -> {
                try {
                    if (w.start()) {
                        answer(id, result, call);
                    }
                } finally {
                    w.finish();
                    waiting.remove(id);
                    waitingCount.decrementAndGet();
                }
            });
        } catch (RejectedExecutionException e) {
            waiting.remove(id);
            waitingCount.decrementAndGet();
            error(id, new GuardianException(GuardianError.DEVICE_DOWN, "CPU " + server.cpu() + " is shutting down"));
        }
    }

    /**
     * A call that may wait, and the CANCEL the child sends when its caller is interrupted. The
     * interrupt reaches the pool thread only while it runs that call, so none leaks into the
     * next task; a call cancelled before it starts still runs, interrupted from its first line,
     * so that every call is answered (the child waits for the answer).
     */
    private static final class Waiting {
        private Thread runner;
        private boolean cancelled;
        private boolean abandoned;

        /** False if the connection closed before the call began: nobody waits for its answer. */
        synchronized boolean start() {
            if (abandoned) {
                return false;
            }
            runner = Thread.currentThread();
            if (cancelled) {
                runner.interrupt();
            }
            return true;
        }

        synchronized void finish() {
            runner = null;
            Thread.interrupted();
        }

        synchronized void cancel() {
            cancelled = true;
            if (runner != null) {
                runner.interrupt();
            }
        }

        synchronized void abandon() {
            abandoned = true;
            cancel();
        }
    }

    /** Answers call {@code id} when {@code f} completes. */
    <R> void later(long id, Codec<R> result, CompletableFuture<R> f) {
        f.whenComplete((r, e) -> {
            if (e == null) {
                answer(id, result, () -> r);
            } else {
                error(id, e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
            }
        });
    }

    /**
     * Ships one checkpoint to a backup's awaitTakeover. This runs on that call's own thread, so
     * it can wait while much is queued: the backup applies at its pace, not the queue's.
     */
    void apply(long id, byte[] record) {
        while (outbox.queuedBytes() > APPLY_PAUSE_BYTES && !closed && !Thread.currentThread().isInterrupted()) {
            LockSupport.parkNanos(1_000_000);
        }
        send(AttachFrames.APPLY, id, record);
    }

    <R> void ok(long id, Codec<R> result, R value) {
        send(AttachFrames.OK, id, result.encode(value));
    }

    void error(long id, Throwable e) {
        long syncId = -1;
        if (e instanceof MessageCalls.SyncIdError s) {
            syncId = s.syncId;
            e = s.error;
        }
        AttachCodecs.Failure failure;
        if (e instanceof GuardianException g) {
            failure = new AttachCodecs.Failure(g.error(), g.getMessage() == null ? "" : g.getMessage(), syncId);
        } else {
            LOG.log(System.Logger.Level.WARNING, who() + ": a call failed unexpectedly", e);
            failure = new AttachCodecs.Failure(GuardianError.INVALID_OPERATION.number(), String.valueOf(e), syncId);
        }
        send(AttachFrames.ERROR, id, AttachCodecs.FAILURE.encode(failure));
    }

    /** Queues a frame for the child; past {@link #MAX_QUEUED_BYTES} it has stopped reading. */
    private void send(byte type, long id, byte[] payload) {
        if (closed) {
            return;
        }
        long queued = outbox.add(type, id, payload);
        if (queued > MAX_QUEUED_BYTES) {
            abort("stopped reading: " + queued + " bytes of answers are queued for it");
        }
    }

    // ---- Attachment -----------------------------------------------------------------------

    @Override
    public void requestStop() {
        send(AttachFrames.STOP, 0, new byte[0]);
    }

    @Override
    public void signal(Signal signal, ProcessHandle sender) {
        send(AttachFrames.SIGNAL, 0, AttachCodecs.SIGNAL_NOTE.encode(new AttachCodecs.SignalNote(signal, sender)));
    }

    /** Closes the connection; a program that reported its end may still get its END answer. */
    @Override
    public void close() {
        if (ending && !endAnswered) {
            closeDeferred = true;  // the reader answers END first, then closes
            return;
        }
        closed = true;
        outbox.close();
        channel.close();
        for (Waiting w : waiting.values()) {
            w.abandon();
        }
        MessageCalls m = messages;
        if (m != null) {
            m.close(who());
        }
        SemaphoreCalls s = semaphores;
        if (s != null) {
            s.close();
        }
    }
}
