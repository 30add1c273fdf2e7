package org.openpair.emulator.attach;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.openpair.emulator.attach.AttachFrames.GuardianOp;
import org.openpair.emulator.attach.AttachFrames.Op;
import org.openpair.emulator.codec.GuardianCodecs;
import org.openpair.emulator.signals.ProcessSignals;
import org.openpair.guardian.CheckpointResult;
import org.openpair.guardian.CheckpointedMap;
import org.openpair.guardian.CpuInfo;
import org.openpair.guardian.DeathPolicy;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Receive;
import org.openpair.guardian.ReceiveInfo;
import org.openpair.guardian.ReceivedRequest;
import org.openpair.guardian.RestartPolicy;
import org.openpair.guardian.RobustSemaphore;
import org.openpair.guardian.SemaphoreInfo;
import org.openpair.guardian.Signal;
import org.openpair.guardian.Signals;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.StopScope;
import org.openpair.guardian.SystemMessage;
import org.openpair.guardian.Takeover;
import org.openpair.guardian.Termination;

/**
 * The {@link ProcessContext} of a Java OS process: every call goes over the attach socket to its
 * CPU, which runs it against this process's objects there (its pair member, $RECEIVE, loop
 * timer). Identity, arguments and environment came with WELCOME and are answered locally; the
 * log is the process's own stdout, which the CPU pointed at its log file.
 *
 * <p>Every {@link Guardian} procedure goes to the CPU as one {@link Op#GUARDIAN} call and runs
 * there with the Guardian a hosted process of this handle gets ({@link GuardianCalls}), so the
 * results and the Guardian errors are the same. The signal state is the exception: it lives
 * here ({@link #signals()}), so handlers run in this JVM, and the CPU routes every signal for
 * this process to it.
 */
final class RemoteContext implements ProcessContext {
    private final AttachClient client;
    private final ProcessHandle self;
    private final ProcessName name;
    private final List<String> args;
    private final Map<String, String> env;
    private final String nodeName;
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private final RemoteGuardian guardian = new RemoteGuardian();
    private final RemoteState state = new RemoteState();
    /** The process's signal state: here, in its own JVM, where its handlers run (see {@link #deliver}). */
    private final ProcessSignals signals;

    RemoteContext(AttachClient client, Wire.In welcome) throws AttachProtocolException {
        this.client = client;
        this.self = handle(welcome);
        String n = welcome.optStr();
        this.name = n == null ? null : ProcessName.of(n);
        this.args = List.copyOf(welcome.strs());
        this.env = Map.copyOf(welcome.map());
        this.nodeName = welcome.str();
        ThreadGroup group = Thread.currentThread().getThreadGroup();
        this.signals = new ProcessSignals(new ProcessSignals.Owner() {
            @Override
            public ProcessHandle handle() {
                return self;
            }

            @Override
            public ThreadGroup threadGroup() {
                return group;
            }

            @Override
            public void terminate(Signal signal, ProcessHandle sender) {
                RemoteContext.this.terminate(signal, sender);
            }

            @Override
            public void log(String line) {
                System.out.println("openpair: " + line);
                System.out.flush();
            }
        });
    }

    /**
     * A signal for this process: routed here by the CPU (Guardian.kill from any CPU, the
     * operator's {@code guardian kill}, the loop timer's SIGTIMEOUT) or a POSIX signal the JVM
     * received. It meets the same signal state, mask and handlers a hosted process has.
     */
    void deliver(Signal signal, ProcessHandle sender) {
        signals.send(signal, sender);
    }

    /** The program's run is over: nothing more is delivered. */
    void closeSignals() {
        signals.close();
    }

    /**
     * A default action ends this process. The CPU records the death as it records a hosted
     * process's (SIGTIMEOUT: completion code -1, a primary's backup takes over) and kills this
     * JVM; it halts itself too at once, as no code of a process its CPU wrote off may run on.
     */
    private void terminate(Signal signal, ProcessHandle sender) {
        String detail = signal == Signal.SIGTIMEOUT ? "SIGTIMEOUT: the loop timer ran out"
                : signal + (sender == null ? " from the operator or the system" : " from " + sender.descriptor(null));
        System.out.println("openpair: " + detail + "; the process ends");
        System.out.flush();
        client.ending();
        try {
            client.call(Op.SIGNAL_END, ApiCodec.optHandle(new Wire.Out().constant(GuardianCodecs.SIGNAL, signal), sender));
        } catch (RuntimeException e) {
            // The CPU is gone or has ended this process already: either way it ends here.
        }
        Runtime.getRuntime().halt(128 + signal.number());
    }

    /** The CPU asked this process to stop. */
    void stopRequested() {
        stopRequested.set(true);
    }

    static ProcessHandle handle(Wire.In in) throws AttachProtocolException {
        return ApiCodec.handle(in);
    }

    /** Decoding what the CPU sent; a failure there is the CPU's fault, reported as 2. */
    private interface Decode<T> {
        T run() throws AttachProtocolException;
    }

    private static <T> T decode(Decode<T> d) {
        try {
            return d.run();
        } catch (AttachProtocolException e) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "undecodable answer from the CPU: " + e.getMessage());
        }
    }

    private static CheckpointResult result(Wire.In in) throws AttachProtocolException {
        return in.constant(GuardianCodecs.CHECKPOINT_RESULT);
    }

    private static long millis(Duration d) {
        return d.isNegative() ? 0 : Math.min(d.toMillis(), Long.MAX_VALUE / 2);
    }

    @Override
    public ProcessHandle self() {
        return self;
    }

    @Override
    public Optional<ProcessName> name() {
        return Optional.ofNullable(name);
    }

    @Override
    public List<String> args() {
        return args;
    }

    @Override
    public Map<String, String> env() {
        return env;
    }

    @Override
    public Guardian guardian() {
        return guardian;
    }

    @Override
    public PrintStream out() {
        return System.out;
    }

    @Override
    public PairRole role() {
        Wire.In in = client.call(Op.ROLE, new Wire.Out());
        return decode(() -> in.constant(GuardianCodecs.PAIR_ROLE));
    }

    @Override
    public ProcessHandle createBackup(int cpu, RestartPolicy policy) {
        Wire.Out w = new Wire.Out().i32(cpu).constant(GuardianCodecs.RESTART_TYPE, policy.type()).i32(policy.maxRestarts())
                .i64(policy.period().toMillis());
        Wire.In in = client.call(Op.CREATE_BACKUP, w);
        return decode(() -> handle(in));
    }

    @Override
    public CheckpointResult checkpoint(byte[] data) {
        requireCheckpointSize(data.length);
        Wire.In in = client.call(Op.CHECKPOINT, new Wire.Out().bytes(data));
        return decode(() -> result(in));
    }

    @Override
    public CompletableFuture<CheckpointResult> checkpointAsync(byte[] data) {
        requireCheckpointSize(data.length);
        return client.callAsync(Op.CHECKPOINT_ASYNC, new Wire.Out().bytes(data), RemoteContext::result);
    }

    /** Refused here as the CPU would refuse it, without shipping a megabyte to be told so. */
    private static void requireCheckpointSize(int length) {
        if (length > MAX_CHECKPOINT_BYTES) {
            throw new GuardianException(GuardianError.BOUNDS, "checkpoint of " + length
                    + " bytes exceeds the limit of " + MAX_CHECKPOINT_BYTES);
        }
    }

    @Override
    public CheckpointedMap state() {
        return state;
    }

    @Override
    public Takeover awaitTakeover(Consumer<byte[]> applier) {
        Wire.In in = client.call(Op.AWAIT_TAKEOVER, new Wire.Out(), applier);
        return decode(() -> ApiCodec.takeover(in));
    }

    @Override
    public Optional<SystemMessage> readSystemMessage(Duration timeout) {
        Wire.In in = client.call(Op.READ_SYSTEM_MESSAGE, new Wire.Out().i64(millis(timeout)));
        return decode(() -> in.bool() ? Optional.of(ApiCodec.systemMessage(in)) : Optional.empty());
    }

    @Override
    public boolean isStopRequested() {
        if (stopRequested.get()) {
            return true;
        }
        Wire.In in = client.call(Op.STOP_REQUESTED, new Wire.Out());
        return decode(in::bool);
    }

    @Override
    public void abend(String reason) {
        throw new AttachMain.Abend(reason);
    }

    @Override
    public Receive openReceive(int receiveDepth, boolean openMessages) {
        Wire.In in = client.call(Op.OPEN_RECEIVE, new Wire.Out().i32(receiveDepth).bool(openMessages));
        int depth = decode(in::i32);
        return new RemoteReceive(depth);
    }

    @Override
    public int setLoopTimer(int hundredths) {
        Wire.In in = client.call(Op.SET_LOOP_TIMER, new Wire.Out().i32(hundredths));
        return decode(in::i32);
    }

    @Override
    public Signals signals() {
        return signals;
    }

    // ---- $RECEIVE ---------------------------------------------------------------------

    private final class RemoteReceive implements Receive {
        private final int depth;

        RemoteReceive(int depth) {
            this.depth = depth;
        }

        @Override
        public int receiveDepth() {
            return depth;
        }

        @Override
        public Optional<ReceivedRequest> readUpdate(Duration timeout) {
            Wire.In in = client.call(Op.READ_UPDATE, new Wire.Out().i64(millis(timeout)));
            return decode(() -> in.bool()
                    ? Optional.of(new RemoteRequest(in.i64(), in.bytes(),
                            new ReceiveInfo(in.bool() ? handle(in) : null, in.i64(), in.i64(), in.i32())))
                    : Optional.empty());
        }
    }

    private final class RemoteRequest implements ReceivedRequest {
        private final long id;
        private final byte[] data;
        private final ReceiveInfo info;

        RemoteRequest(long id, byte[] data, ReceiveInfo info) {
            this.id = id;
            this.data = data;
            this.info = info;
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public ReceiveInfo info() {
            return info;
        }

        @Override
        public CompletableFuture<CheckpointResult> reply(byte[] reply) {
            return reply(reply, new byte[0]);
        }

        @Override
        public CompletableFuture<CheckpointResult> reply(byte[] reply, byte[] checkpoint) {
            return client.callAsync(Op.REPLY, new Wire.Out().i64(id).bytes(reply).bool(false).bytes(checkpoint),
                    RemoteContext::result);
        }

        @Override
        public CompletableFuture<CheckpointResult> reply(byte[] reply, Map<String, String> stateChanges) {
            return client.callAsync(Op.REPLY, new Wire.Out().i64(id).bytes(reply).bool(true).map(stateChanges),
                    RemoteContext::result);
        }
    }

    // ---- checkpointed state ---------------------------------------------------------------

    private final class RemoteState implements CheckpointedMap {
        @Override
        public Optional<String> get(String key) {
            Wire.In in = client.call(Op.STATE_GET, new Wire.Out().str(key));
            return decode(() -> Optional.ofNullable(in.optStr()));
        }

        @Override
        public CheckpointResult put(String key, String value) {
            Wire.In in = client.call(Op.STATE_PUT, new Wire.Out().str(key).str(value));
            return decode(() -> result(in));
        }

        @Override
        public CheckpointResult remove(String key) {
            Wire.In in = client.call(Op.STATE_REMOVE, new Wire.Out().str(key));
            return decode(() -> result(in));
        }

        @Override
        public Map<String, String> snapshot() {
            Wire.In in = client.call(Op.STATE_SNAPSHOT, new Wire.Out());
            return decode(() -> Map.copyOf(in.map()));
        }
    }

    // ---- opens --------------------------------------------------------------------------

    private final class RemoteFile implements ProcessFile {
        private final long id;
        private final ProcessName name;
        private final int syncDepth;
        private volatile ProcessHandle server;
        private volatile long syncId;
        private volatile boolean closed;

        RemoteFile(long id, ProcessName name, int syncDepth, ProcessHandle server) {
            this.id = id;
            this.name = name;
            this.syncDepth = syncDepth;
            this.server = server;
        }

        @Override
        public ProcessName name() {
            return name;
        }

        @Override
        public int syncDepth() {
            return syncDepth;
        }

        @Override
        public long syncId() {
            return syncId;
        }

        @Override
        public ProcessHandle server() {
            return server;
        }

        @Override
        public byte[] writeRead(byte[] request, Duration timeout) {
            if (request.length > MAX_MESSAGE_BYTES) {
                throw new GuardianException(GuardianError.BOUNDS, "request of " + request.length
                        + " bytes exceeds the limit of " + MAX_MESSAGE_BYTES);
            }
            Wire.In in;
            try {
                in = client.call(Op.WRITE_READ, new Wire.Out().i64(id).bytes(request).i64(millis(timeout)));
            } catch (AttachClient.RemoteError e) {
                if (e.syncId >= 0) {
                    syncId = e.syncId;
                }
                throw e;
            }
            return decode(() -> {
                byte[] reply = in.bytes();
                syncId = in.i64();
                server = handle(in);
                return reply;
            });
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                client.call(Op.FILE_CLOSE, new Wire.Out().i64(id));
            }
        }
    }

    // ---- robust semaphores -----------------------------------------------------------------

    /** A semaphore opened through the CPU: its permits belong to this process, as a hosted one's would. */
    private final class RemoteSemaphore implements RobustSemaphore {
        private final long id;
        private final String name;

        RemoteSemaphore(long id, String name) {
            this.id = id;
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        private Optional<org.openpair.guardian.Acquisition> acquire(int permits, int mode, Duration timeout) {
            Wire.In in = client.call(Op.SEM_ACQUIRE, new Wire.Out().i64(id).i32(permits).i8(mode).i64(millis(timeout)));
            return decode(() -> in.bool() ? Optional.of(ApiCodec.acquisition(in)) : Optional.empty());
        }

        @Override
        public org.openpair.guardian.Acquisition acquire(int permits) {
            return acquire(permits, 0, Duration.ZERO).orElseThrow();
        }

        @Override
        public Optional<org.openpair.guardian.Acquisition> tryAcquire(int permits) {
            return acquire(permits, 1, Duration.ZERO);
        }

        @Override
        public Optional<org.openpair.guardian.Acquisition> tryAcquire(int permits, Duration timeout) {
            return acquire(permits, 2, timeout);
        }

        @Override
        public void release(int permits) {
            client.call(Op.SEM_RELEASE, new Wire.Out().i64(id).i32(permits));
        }

        @Override
        public void post(int permits) {
            client.call(Op.SEM_POST, new Wire.Out().i64(id).i32(permits));
        }

        @Override
        public void markConsistent() {
            client.call(Op.SEM_MARK_CONSISTENT, new Wire.Out().i64(id));
        }

        @Override
        public org.openpair.guardian.Acquisition holding() {
            Wire.In in = client.call(Op.SEM_HOLDING, new Wire.Out().i64(id));
            return decode(() -> ApiCodec.acquisition(in));
        }

        @Override
        public org.openpair.guardian.ProtectedState state() {
            Wire.In in = client.call(Op.SEM_STATE, new Wire.Out().i64(id));
            return decode(() -> ApiCodec.protectedState(in));
        }

        @Override
        public org.openpair.guardian.StateUpdate update() {
            return new RemoteUpdate(id);
        }

        @Override
        public SemaphoreInfo info() {
            Wire.In in = client.call(Op.SEM_INFO, new Wire.Out().i64(id));
            return decode(() -> ApiCodec.semaphoreInfo(in));
        }
    }

    /** Changes collected here, sent as one commit: the CPU applies them as one transaction. */
    private final class RemoteUpdate implements org.openpair.guardian.StateUpdate {
        private final long semaphore;
        private final List<Object[]> changes = new java.util.ArrayList<>();
        private boolean committed;

        RemoteUpdate(long semaphore) {
            this.semaphore = semaphore;
        }

        @Override
        public org.openpair.guardian.StateUpdate put(String key, byte[] value) {
            changes.add(new Object[] {key, value.clone()});
            return this;
        }

        @Override
        public org.openpair.guardian.StateUpdate remove(String key) {
            changes.add(new Object[] {key, null});
            return this;
        }

        @Override
        public long commit() {
            if (committed) {
                throw new IllegalStateException("this update was committed already");
            }
            committed = true;
            Wire.Out w = new Wire.Out().i64(semaphore).i32(changes.size());
            for (Object[] c : changes) {
                w.bool(c[1] != null).str((String) c[0]);
                if (c[1] != null) {
                    w.bytes((byte[]) c[1]);
                }
            }
            Wire.In in = client.call(Op.SEM_COMMIT, w);
            return decode(in::i64);
        }
    }

    // ---- Guardian ------------------------------------------------------------------------

    private final class RemoteGuardian implements Guardian {
        @Override
        public String nodeName() {
            return nodeName;
        }

        @Override
        public ProcessFile fileOpen(ProcessName name, int syncDepth) {
            Wire.In in = client.call(Op.FILE_OPEN, new Wire.Out().str(name.toString()).i32(syncDepth));
            return decode(() -> new RemoteFile(in.i64(), name, syncDepth, handle(in)));
        }

        /** One Guardian procedure, run by the CPU as this process; its GuardianException comes back as thrown there. */
        private Wire.In call(byte procedure, Wire.Out args) {
            return client.call(Op.GUARDIAN, new Wire.Out().i8(procedure).raw(args));
        }

        private Wire.Out handleArg(ProcessHandle h) {
            return ApiCodec.optHandle(new Wire.Out(), h);
        }

        private Wire.Out nameArg(ProcessName n) {
            return ApiCodec.optName(new Wire.Out(), n);
        }

        @Override
        public ProcessHandle processSpawn(SpawnRequest request) {
            Wire.In in = call(GuardianOp.SPAWN, GuardianCalls.spawnRequest(new Wire.Out(), request));
            return decode(() -> ApiCodec.handle(in));
        }

        @Override
        public void processStop(ProcessHandle process) {
            call(GuardianOp.STOP, handleArg(process));
        }

        @Override
        public void processStop(ProcessName name) {
            call(GuardianOp.STOP_NAME, nameArg(name));
        }

        @Override
        public void processStop(ProcessHandle process, StopScope scope) {
            call(GuardianOp.STOP_SCOPE, handleArg(process).optConstant(GuardianCodecs.STOP_SCOPE, scope));
        }

        @Override
        public PairInfo processGetPairInfo(ProcessName name) {
            Wire.In in = call(GuardianOp.PAIR_INFO_NAME, nameArg(name));
            return decode(() -> ApiCodec.pairInfo(in));
        }

        @Override
        public PairInfo processGetPairInfo(ProcessHandle process) {
            Wire.In in = call(GuardianOp.PAIR_INFO, handleArg(process));
            return decode(() -> ApiCodec.pairInfo(in));
        }

        @Override
        public int processHandleCompare(ProcessHandle a, ProcessHandle b) {
            Wire.In in = call(GuardianOp.HANDLE_COMPARE, ApiCodec.optHandle(handleArg(a), b));
            return decode(in::i32);
        }

        @Override
        public void switchPair(ProcessName name) {
            call(GuardianOp.SWITCH_PAIR, nameArg(name));
        }

        @Override
        public Optional<ProcessInfo> lookup(ProcessName name) {
            Wire.In in = call(GuardianOp.LOOKUP, nameArg(name));
            return decode(() -> in.bool() ? Optional.of(ApiCodec.processInfo(in)) : Optional.empty());
        }

        @Override
        public Optional<ProcessInfo> process(ProcessHandle handle) {
            Wire.In in = call(GuardianOp.PROCESS, handleArg(handle));
            return decode(() -> in.bool() ? Optional.of(ApiCodec.processInfo(in)) : Optional.empty());
        }

        @Override
        public List<ProcessInfo> processes() {
            Wire.In in = call(GuardianOp.PROCESSES, new Wire.Out());
            return decode(() -> ApiCodec.list(in, ApiCodec::processInfo));
        }

        @Override
        public List<CpuInfo> cpus() {
            Wire.In in = call(GuardianOp.CPUS, new Wire.Out());
            return decode(() -> ApiCodec.list(in, ApiCodec::cpuInfo));
        }

        @Override
        public Optional<Termination> termination(ProcessHandle handle) {
            Wire.In in = call(GuardianOp.TERMINATION, handleArg(handle));
            return decode(() -> Optional.ofNullable(ApiCodec.optTermination(in)));
        }

        @Override
        public List<Termination> terminations() {
            Wire.In in = call(GuardianOp.TERMINATIONS, new Wire.Out());
            return decode(() -> ApiCodec.list(in, ApiCodec::termination));
        }

        @Override
        public void kill(ProcessHandle process, Signal signal) {
            call(GuardianOp.KILL, handleArg(process).optConstant(GuardianCodecs.SIGNAL, signal));
        }

        @Override
        public void kill(ProcessName name, Signal signal) {
            call(GuardianOp.KILL_NAME, nameArg(name).optConstant(GuardianCodecs.SIGNAL, signal));
        }

        @Override
        public RobustSemaphore semaphoreCreate(String name, int permits, DeathPolicy policy) {
            Wire.In in = client.call(Op.SEM_CREATE, new Wire.Out().str(name).i32(permits).constant(GuardianCodecs.DEATH_POLICY, policy));
            return new RemoteSemaphore(decode(in::i64), name);
        }

        @Override
        public RobustSemaphore semaphore(String name) {
            Wire.In in = client.call(Op.SEM_OPEN, new Wire.Out().str(name));
            return new RemoteSemaphore(decode(in::i64), name);
        }

        @Override
        public List<SemaphoreInfo> semaphores() {
            Wire.In in = call(GuardianOp.SEMAPHORES, new Wire.Out());
            return decode(() -> ApiCodec.list(in, ApiCodec::semaphoreInfo));
        }

        @Override
        public int semaphorePurge(String name) {
            Wire.In in = client.call(Op.SEM_PURGE, new Wire.Out().str(name));
            return decode(in::i32);
        }
    }
}
