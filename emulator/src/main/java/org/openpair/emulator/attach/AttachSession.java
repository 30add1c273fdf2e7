package org.openpair.emulator.attach;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.openpair.emulator.attach.AttachFrames.Frame;
import org.openpair.emulator.attach.AttachFrames.Op;
import org.openpair.emulator.codec.GuardianCodecs;
import org.openpair.guardian.CheckpointResult;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Receive;
import org.openpair.guardian.ReceivedRequest;
import org.openpair.guardian.RestartPolicy;

/**
 * One connection on a CPU's attach socket, from HELLO to close, read by one thread. Calls that
 * return at once (role, an asynchronous checkpoint, a reply) run on the reader, which keeps
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
    /** Opens one process may hold through the socket; further ones are refused with 44. */
    static final int MAX_FILES = 1024;

    private final AttachServer server;
    private final AttachChannel channel;
    private final long openedAt = System.nanoTime();
    /** Frames for the child, written in order by one task at a time ({@link #writeOut}). */
    private final java.util.concurrent.ConcurrentLinkedQueue<ByteBuffer> outbox = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean();
    /** When the write in progress started; 0 when none is. */
    private volatile long writingSince;
    private final Map<Long, Waiting> waiting = new ConcurrentHashMap<>();
    private final AtomicInteger waitingCount = new AtomicInteger();
    private final Map<Long, ReceivedRequest> requests = new ConcurrentHashMap<>();
    private final Map<Long, ProcessFile> files = new ConcurrentHashMap<>();
    private final Map<Long, org.openpair.guardian.RobustSemaphore> semaphores = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile Attachee attachee;
    private volatile ProcessContext context;
    private volatile Receive receive;
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
        long writing = writingSince;
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
                dispatch(f.callId(), new Wire.In(f.payload()));
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
        Wire.In in = new Wire.In(f.payload());
        long verifier = in.i64();
        byte[] secret = in.bytes();
        in.end();
        Attachee a = server.claim(verifier, secret);
        if (a == null) {
            throw new AttachProtocolException("HELLO for process verifier " + verifier
                    + " with a wrong secret, or that process is not waiting to attach");
        }
        context = a.context();
        attachee = a;
        server.authenticated(this);
        ProcessContext c = context;
        ProcessHandle self = c.self();
        Wire.Out w = new Wire.Out().str(self.node()).i32(self.cpu()).i32(self.pin()).i64(self.verifier())
                .optStr(c.name().map(ProcessName::toString).orElse(null)).strs(c.args()).map(c.env())
                .str(c.guardian().nodeName());
        send(AttachFrames.WELCOME, f.callId(), w.toBytes());
        a.attached(this);
    }

    // ---- calls ------------------------------------------------------------------------

    private void dispatch(long id, Wire.In in) throws AttachProtocolException {
        int op = in.i8();
        ProcessContext c = context;
        switch (op) {
            case Op.ROLE -> {
                in.end();
                inline(id, () -> new Wire.Out().constant(GuardianCodecs.PAIR_ROLE, c.role()));
            }
            case Op.STOP_REQUESTED -> {
                in.end();
                inline(id, () -> new Wire.Out().bool(c.isStopRequested()));
            }
            case Op.END -> {
                boolean abended = in.bool();
                String detail = in.str();
                in.end();
                ending = true;
                attachee.ended(abended, detail);
                answerEnd(id);
            }
            case Op.CREATE_BACKUP -> {
                int cpu = in.i32();
                RestartPolicy policy = policy(in);
                in.end();
                waiting(id, () -> handle(new Wire.Out(), c.createBackup(cpu, policy)));
            }
            case Op.CHECKPOINT -> {
                byte[] data = in.bytes();
                in.end();
                waiting(id, () -> new Wire.Out().constant(GuardianCodecs.CHECKPOINT_RESULT, c.checkpoint(data)));
            }
            case Op.CHECKPOINT_ASYNC -> {
                byte[] data = in.bytes();
                in.end();
                CompletableFuture<CheckpointResult> f;
                try {
                    f = c.checkpointAsync(data);
                } catch (RuntimeException e) {
                    error(id, e);
                    return;
                }
                later(id, f);
            }
            case Op.STATE_GET -> {
                String key = in.str();
                in.end();
                inline(id, () -> new Wire.Out().optStr(c.state().get(key).orElse(null)));
            }
            case Op.STATE_PUT -> {
                String key = in.str();
                String value = in.str();
                in.end();
                waiting(id, () -> new Wire.Out().constant(GuardianCodecs.CHECKPOINT_RESULT, c.state().put(key, value)));
            }
            case Op.STATE_REMOVE -> {
                String key = in.str();
                in.end();
                waiting(id, () -> new Wire.Out().constant(GuardianCodecs.CHECKPOINT_RESULT, c.state().remove(key)));
            }
            case Op.STATE_SNAPSHOT -> {
                in.end();
                inline(id, () -> new Wire.Out().map(c.state().snapshot()));
            }
            case Op.AWAIT_TAKEOVER -> {
                in.end();
                waiting(id, () -> ApiCodec.takeover(new Wire.Out(), c.awaitTakeover(record -> apply(id, record))));
            }
            case Op.READ_SYSTEM_MESSAGE -> {
                Duration timeout = timeout(in);
                in.end();
                waiting(id, () -> {
                    var m = c.readSystemMessage(timeout);
                    Wire.Out w = new Wire.Out().bool(m.isPresent());
                    return m.isPresent() ? ApiCodec.systemMessage(w, m.get()) : w;
                });
            }
            case Op.OPEN_RECEIVE -> {
                int depth = in.i32();
                boolean openMessages = in.bool();
                in.end();
                inline(id, () -> {
                    receive = c.openReceive(depth, openMessages);
                    return new Wire.Out().i32(receive.receiveDepth());
                });
            }
            case Op.READ_UPDATE -> {
                Duration timeout = timeout(in);
                in.end();
                waiting(id, () -> {
                    Receive r = receive;
                    if (r == null) {
                        throw new GuardianException(GuardianError.NOT_OPEN, "$RECEIVE is not open");
                    }
                    var got = r.readUpdate(timeout);
                    Wire.Out w = new Wire.Out().bool(got.isPresent());
                    if (got.isPresent()) {
                        long requestId = ids.incrementAndGet();
                        requests.put(requestId, got.get());
                        var info = got.get().info();
                        w.i64(requestId).bytes(got.get().data()).bool(info.opener() != null);
                        if (info.opener() != null) {
                            handle(w, info.opener());
                        }
                        w.i64(info.openId()).i64(info.syncId()).i32(info.syncDepth());
                    }
                    return w;
                });
            }
            case Op.REPLY -> {
                long requestId = in.i64();
                byte[] reply = in.bytes();
                boolean stateForm = in.bool();
                byte[] checkpoint = stateForm ? null : in.bytes();
                Map<String, String> changes = stateForm ? in.map() : null;
                in.end();
                ReceivedRequest r = requests.remove(requestId);
                if (r == null) {
                    error(id, new GuardianException(GuardianError.INVALID_OPERATION, "request " + requestId
                            + " was never read or is already replied to"));
                    return;
                }
                CompletableFuture<CheckpointResult> f;
                try {
                    f = stateForm ? r.reply(reply, changes) : r.reply(reply, checkpoint);
                } catch (RuntimeException e) {
                    error(id, e);
                    return;
                }
                later(id, f);
            }
            case Op.FILE_OPEN -> {
                String name = in.str();
                int depth = in.i32();
                in.end();
                waiting(id, () -> {
                    if (files.size() >= MAX_FILES) {
                        throw new GuardianException(GuardianError.NO_ROOM, MAX_FILES + " opens are held already");
                    }
                    ProcessFile file = c.guardian().fileOpen(ProcessName.of(name), depth);
                    long fileId = ids.incrementAndGet();
                    files.put(fileId, file);
                    return handle(new Wire.Out().i64(fileId), file.server());
                });
            }
            case Op.WRITE_READ -> {
                long fileId = in.i64();
                byte[] request = in.bytes();
                Duration timeout = timeout(in);
                in.end();
                waiting(id, () -> {
                    ProcessFile file = files.get(fileId);
                    if (file == null) {
                        throw new GuardianException(GuardianError.NOT_OPEN, "open " + fileId + " is not open");
                    }
                    try {
                        byte[] reply = file.writeRead(request, timeout);
                        return handle(new Wire.Out().bytes(reply).i64(file.syncId()), file.server());
                    } catch (GuardianException e) {
                        throw new SyncIdError(e, file.syncId());
                    }
                });
            }
            case Op.FILE_CLOSE -> {
                long fileId = in.i64();
                in.end();
                ProcessFile file = files.remove(fileId);
                inline(id, () -> {
                    if (file != null) {
                        file.close();
                    }
                    return new Wire.Out();
                });
            }
            case Op.SET_LOOP_TIMER -> {
                int hundredths = in.i32();
                in.end();
                inline(id, () -> new Wire.Out().i32(c.setLoopTimer(hundredths)));
            }
            case Op.SEM_CREATE -> {
                String name = in.str();
                int permits = in.i32();
                var policy = in.constant(GuardianCodecs.DEATH_POLICY);
                in.end();
                waiting(id, () -> semaphore(c.guardian().semaphoreCreate(name, permits, policy)));
            }
            case Op.SEM_OPEN -> {
                String name = in.str();
                in.end();
                waiting(id, () -> semaphore(c.guardian().semaphore(name)));
            }
            case Op.SEM_PURGE -> {
                String name = in.str();
                in.end();
                waiting(id, () -> new Wire.Out().i32(c.guardian().semaphorePurge(name)));
            }
            case Op.SEM_ACQUIRE -> {
                long semId = in.i64();
                int permits = in.i32();
                int mode = in.i8();
                Duration timeout = timeout(in);
                in.end();
                if (mode < 0 || mode > 2) {
                    throw new AttachProtocolException("acquire mode " + mode);
                }
                waiting(id, () -> {
                    var sem = semaphore(semId);
                    java.util.Optional<org.openpair.guardian.Acquisition> a = switch (mode) {
                        case 0 -> java.util.Optional.of(sem.acquire(permits));
                        case 1 -> sem.tryAcquire(permits);
                        default -> sem.tryAcquire(permits, timeout);
                    };
                    Wire.Out w = new Wire.Out().bool(a.isPresent());
                    return a.isPresent() ? ApiCodec.acquisition(w, a.get()) : w;
                });
            }
            case Op.SEM_RELEASE, Op.SEM_POST -> {
                long semId = in.i64();
                int permits = in.i32();
                in.end();
                waiting(id, () -> {
                    if (op == Op.SEM_RELEASE) {
                        semaphore(semId).release(permits);
                    } else {
                        semaphore(semId).post(permits);
                    }
                    return new Wire.Out();
                });
            }
            case Op.SEM_MARK_CONSISTENT, Op.SEM_HOLDING, Op.SEM_STATE, Op.SEM_INFO -> {
                long semId = in.i64();
                in.end();
                waiting(id, () -> {
                    var sem = semaphore(semId);
                    return switch (op) {
                        case Op.SEM_MARK_CONSISTENT -> {
                            sem.markConsistent();
                            yield new Wire.Out();
                        }
                        case Op.SEM_HOLDING -> ApiCodec.acquisition(new Wire.Out(), sem.holding());
                        case Op.SEM_STATE -> ApiCodec.protectedState(new Wire.Out(), sem.state());
                        default -> ApiCodec.semaphoreInfo(new Wire.Out(), sem.info());
                    };
                });
            }
            case Op.SEM_COMMIT -> {
                long semId = in.i64();
                int n = in.i32();
                if (n < 0 || n > Wire.MAX_ITEMS) {
                    throw new AttachProtocolException("commit of " + n + " changes");
                }
                // Changes in the order the program made them: a put after a remove of one key wins.
                java.util.List<Object[]> changes = new java.util.ArrayList<>();
                for (int i = 0; i < n; i++) {
                    boolean put = in.bool();
                    String key = in.str();
                    changes.add(new Object[] {key, put ? in.bytes() : null});
                }
                in.end();
                waiting(id, () -> {
                    org.openpair.guardian.StateUpdate u = semaphore(semId).update();
                    for (Object[] ch : changes) {
                        if (ch[1] == null) {
                            u.remove((String) ch[0]);
                        } else {
                            u.put((String) ch[0], (byte[]) ch[1]);
                        }
                    }
                    return new Wire.Out().i64(u.commit());
                });
            }
            case Op.SIGNAL_END -> {
                org.openpair.guardian.Signal signal = in.constant(GuardianCodecs.SIGNAL);
                ProcessHandle sender = ApiCodec.optHandle(in);
                in.end();
                if (signal.defaultAction() != org.openpair.guardian.Signal.Default.TERMINATE) {
                    throw new AttachProtocolException(signal + " does not end a process by default");
                }
                ending = true;
                attachee.signalled(signal, sender);
                answerEnd(id);
            }
            case Op.SIGNAL_TAKEN -> {
                org.openpair.guardian.Signal signal = in.constant(GuardianCodecs.SIGNAL);
                in.end();
                attachee.signalTaken(signal);
                ok(id, new Wire.Out());
            }
            case Op.GUARDIAN -> {
                GuardianCalls.Call call = GuardianCalls.decode(in);
                waiting(id, () -> call.run(c.guardian()));
            }
            case Op.CANCEL -> {
                in.end();
                Waiting w = waiting.get(id);
                if (w != null) {
                    w.cancel();
                }
            }
            default -> throw new AttachProtocolException("unknown call " + op);
        }
    }

    /** Answers the call that reported the process's end, then closes as the retirement asked. */
    private void answerEnd(long id) {
        ok(id, new Wire.Out());
        awaitWritten(1000);
        endAnswered = true;
        if (closeDeferred) {
            close();
        }
    }

    private Wire.Out semaphore(org.openpair.guardian.RobustSemaphore sem) {
        if (semaphores.size() >= MAX_FILES) {
            throw new GuardianException(GuardianError.NO_ROOM, MAX_FILES + " semaphores are open already");
        }
        long semId = ids.incrementAndGet();
        semaphores.put(semId, sem);
        return new Wire.Out().i64(semId);
    }

    private org.openpair.guardian.RobustSemaphore semaphore(long semId) {
        var sem = semaphores.get(semId);
        if (sem == null) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "semaphore " + semId + " was never opened");
        }
        return sem;
    }

    /** A WRITEREAD failure still tells the child the sync ID it consumed. */
    private static final class SyncIdError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final GuardianException error;
        final long syncId;

        SyncIdError(GuardianException error, long syncId) {
            super(error.getMessage(), null, false, false);
            this.error = error;
            this.syncId = syncId;
        }
    }

    private static RestartPolicy policy(Wire.In in) throws AttachProtocolException {
        RestartPolicy.Type type = in.constant(GuardianCodecs.RESTART_TYPE);
        int max = in.i32();
        long periodMillis = in.i64();
        // The record validates the rest, as for a hosted caller: a GuardianException, answered as such.
        try {
            return new RestartPolicy(type, max, Duration.ofMillis(periodMillis));
        } catch (GuardianException e) {
            throw new AttachProtocolException("bad restart policy: " + e.getMessage());
        }
    }

    private static Duration timeout(Wire.In in) throws AttachProtocolException {
        long millis = in.i64();
        if (millis < 0) {
            throw new AttachProtocolException("negative timeout " + millis);
        }
        return Duration.ofMillis(millis);
    }

    private static Wire.Out handle(Wire.Out w, ProcessHandle h) {
        return ApiCodec.handle(w, h);
    }

    private interface Call {
        Wire.Out run();
    }

    private void inline(long id, Call call) {
        Wire.Out result;
        try {
            result = call.run();
        } catch (RuntimeException e) {
            error(id, e);
            return;
        }
        ok(id, result);
    }

    private void waiting(long id, Call call) {
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
                        inline(id, call);
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

    private void later(long id, CompletableFuture<CheckpointResult> f) {
        f.whenComplete((r, e) -> {
            if (e == null) {
                ok(id, new Wire.Out().constant(GuardianCodecs.CHECKPOINT_RESULT, r));
            } else {
                error(id, e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e);
            }
        });
    }

    /**
     * Ships one checkpoint to a backup's awaitTakeover. This runs on that call's own thread, so
     * it can wait while much is queued: the backup applies at its pace, not the queue's.
     */
    private void apply(long id, byte[] record) {
        while (queuedBytes.get() > APPLY_PAUSE_BYTES && !closed && !Thread.currentThread().isInterrupted()) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        send(AttachFrames.APPLY, id, record);
    }

    private void ok(long id, Wire.Out result) {
        send(AttachFrames.OK, id, result.toBytes());
    }

    private void error(long id, Throwable e) {
        Wire.Out w = new Wire.Out();
        long syncId = -1;
        if (e instanceof SyncIdError s) {
            syncId = s.syncId;
            e = s.error;
        }
        if (e instanceof GuardianException g) {
            w.i32(g.error()).str(g.getMessage() == null ? "" : g.getMessage());
        } else {
            LOG.log(System.Logger.Level.WARNING, who() + ": a call failed unexpectedly", e);
            w.i32(GuardianError.INVALID_OPERATION.number()).str(String.valueOf(e));
        }
        send(AttachFrames.ERROR, id, w.i64(syncId).toBytes());
    }

    /**
     * Queues a frame for the child. Nothing writes to the socket but the one writer task, so a
     * child that stops reading blocks no thread of the CPU's but that task: not the reader, not
     * a link thread completing a checkpoint, not a stop. Past {@link #MAX_QUEUED_BYTES} the
     * child is taken to have stopped reading and its connection is closed.
     */
    private void send(byte type, long id, byte[] payload) {
        if (closed) {
            return;
        }
        ByteBuffer frame = AttachFrames.encode(type, id, payload);
        long queued = queuedBytes.addAndGet(cost(frame));
        outbox.add(frame);
        if (queued > MAX_QUEUED_BYTES) {
            abort("stopped reading: " + queued + " bytes of answers are queued for it");
            return;
        }
        drain();
    }

    /** What a queued frame holds in memory: its bytes and the buffer around them. */
    private static long cost(ByteBuffer frame) {
        return frame.remaining() + 64;
    }

    private void drain() {
        if (writing.compareAndSet(false, true)) {
            try {
                server.calls().execute(this::writeOut);
            } catch (RejectedExecutionException e) {
                writing.set(false);  // the CPU is shutting down: the connection closes with it
            }
        }
    }

    private void writeOut() {
        try {
            ByteBuffer f;
            while ((f = outbox.poll()) != null) {
                long n = cost(f);
                writingSince = System.nanoTime();
                try {
                    if (!closed) {
                        AttachFrames.write(channel, f);
                    }
                } catch (IOException e) {
                    // The reader sees the same broken connection and reports it.
                    LOG.log(System.Logger.Level.DEBUG, "{0}: write failed: {1}", who(), e.toString());
                } finally {
                    writingSince = 0;
                    queuedBytes.addAndGet(-n);
                }
            }
        } finally {
            writing.set(false);
        }
        if (!outbox.isEmpty()) {
            drain();  // queued after the last poll
        }
    }

    /** Waits (bounded) until what is queued has been written: the END answer before the close. */
    private void awaitWritten(long millis) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(millis);
        while (queuedBytes.get() > 0 && !closed && System.nanoTime() - deadline < 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
    }

    // ---- Attachment -----------------------------------------------------------------------

    @Override
    public void requestStop() {
        send(AttachFrames.STOP, 0, new byte[0]);
    }

    @Override
    public void signal(org.openpair.guardian.Signal signal, ProcessHandle sender) {
        send(AttachFrames.SIGNAL, 0, ApiCodec.optHandle(new Wire.Out().constant(GuardianCodecs.SIGNAL, signal), sender).toBytes());
    }

    /** Closes the connection; a program that reported its end may still get its END answer. */
    @Override
    public void close() {
        if (ending && !endAnswered) {
            closeDeferred = true;  // the reader answers END first, then closes
            return;
        }
        closed = true;
        channel.close();
        for (Waiting w : waiting.values()) {
            w.abandon();
        }
        for (ProcessFile f : files.values()) {
            try {
                f.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "{0}: closing an open: {1}", who(), e.toString());
            }
        }
        files.clear();
        requests.clear();
        semaphores.clear();
    }
}
