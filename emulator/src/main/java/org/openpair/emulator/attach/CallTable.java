package org.openpair.emulator.attach;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

import org.openpair.emulator.attach.AttachCalls.Call;
import org.openpair.emulator.attach.AttachFrames.Op;
import org.openpair.emulator.codec.Codec;
import org.openpair.emulator.codec.CodecException;
import org.openpair.emulator.codec.Decoder;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * The calls one attach connection serves and how each runs: the API areas fill the table once,
 * at HELLO; the connection's reader then hands it every CALL frame. A call's arguments are read
 * by its own codec, on the reader, so a malformed call is a protocol error before anything runs.
 * Calls that return at once run on the reader, which keeps their order; calls that may wait run
 * on the server's pool, at most {@link AttachSession#MAX_WAITING} at a time, each cancellable by
 * the child; every call is answered, with its result or its Guardian error.
 */
final class CallTable {
    private static final System.Logger LOG = System.getLogger(AttachSession.class.getName());

    /** Where answers go: the connection's outbox. */
    interface Sender {
        void send(byte type, long id, byte[] payload);
    }

    /** What the CPU does with one call's arguments; it answers the call itself. */
    interface Runner<A> {
        void run(long id, A args) throws AttachProtocolException;
    }

    private record Handler<A>(Call<A, ?> call, Runner<A> runner) {
        @SuppressWarnings("unchecked")
        void run(long id, Object args) throws AttachProtocolException {
            runner.run(id, (A) args);
        }
    }

    private final Executor pool;
    private final int cpu;
    private final Sender out;
    private final Supplier<String> who;
    /** Filled before the first call is read, and read by the reader alone. */
    private final Map<Integer, Handler<?>> handlers = new HashMap<>();
    private final Map<Long, Waiting> waiting = new ConcurrentHashMap<>();
    private final AtomicInteger waitingCount = new AtomicInteger();

    CallTable(Executor pool, int cpu, Sender out, Supplier<String> who) {
        this.pool = pool;
        this.cpu = cpu;
        this.out = out;
        this.who = who;
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

    /**
     * Answers every call of the protocol not served by now with error 2 and {@code why}: a guest
     * asking what only a process may ask is refused, not cut off. A call the protocol does not
     * know stays a protocol error.
     */
    void refuseTheRest(String why) {
        for (Call<?, ?> call : AttachCalls.ALL) {
            if (!handlers.containsKey(call.key())) {
                on(call, (id, args) -> error(id, new GuardianException(GuardianError.INVALID_OPERATION, why)));
            }
        }
    }

    /** Reads one CALL frame's payload and runs the call. */
    void dispatch(long id, ByteBuffer payload) throws AttachProtocolException {
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

    /** Runs {@code call} and answers with what it returns or throws. */
    private <R> void answer(long id, Codec<R> result, Supplier<R> call) {
        byte[] bytes;
        try {
            bytes = result.encode(call.get());
        } catch (RuntimeException e) {
            error(id, e);
            return;
        }
        out.send(AttachFrames.OK, id, bytes);
    }

    /** Runs a call that may wait on the pool; {@code id} is the call's, which a CANCEL names. */
    <R> void waiting(long id, Codec<R> result, Supplier<R> call) {
        if (waitingCount.incrementAndGet() > AttachSession.MAX_WAITING) {
            waitingCount.decrementAndGet();
            error(id, new GuardianException(GuardianError.NO_ROOM, AttachSession.MAX_WAITING
                    + " calls of this process are waiting already"));
            return;
        }
        // Registered before it can run, so a CANCEL right behind it finds it.
        Waiting w = new Waiting();
        waiting.put(id, w);
        try {
            pool.execute(() -> {
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
            error(id, new GuardianException(GuardianError.DEVICE_DOWN, "CPU " + cpu + " is shutting down"));
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

    <R> void ok(long id, Codec<R> result, R value) {
        out.send(AttachFrames.OK, id, result.encode(value));
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
            LOG.log(System.Logger.Level.WARNING, who.get() + ": a call failed unexpectedly", e);
            failure = new AttachCodecs.Failure(GuardianError.INVALID_OPERATION.number(), String.valueOf(e), syncId);
        }
        out.send(AttachFrames.ERROR, id, AttachCodecs.FAILURE.encode(failure));
    }

    /** The child's caller of call {@code id} was interrupted: so is the call, if it still runs. */
    void cancel(long id) {
        Waiting w = waiting.get(id);
        if (w != null) {
            w.cancel();
        }
    }

    /** The connection is gone: calls that have not begun never will, running ones are interrupted. */
    void abandonAll() {
        for (Waiting w : waiting.values()) {
            w.abandon();
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
}
