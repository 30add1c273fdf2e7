package org.openpair.emulator.attach;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.openpair.emulator.attach.AttachCodecs.Nothing;
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
 * <p>Every {@link Guardian} procedure goes to the CPU as one {@link AttachFrames.Op#GUARDIAN} call and runs
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

    RemoteContext(AttachClient client, AttachCodecs.Welcome welcome) {
        this.client = client;
        this.self = welcome.self();
        this.name = welcome.name();
        this.args = welcome.args();
        this.env = welcome.env();
        this.nodeName = welcome.nodeName();
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
            client.call(AttachCalls.SIGNAL_END, new AttachCodecs.SignalNote(signal, sender));
        } catch (RuntimeException e) {
            // The CPU is gone or has ended this process already: either way it ends here.
        }
        Runtime.getRuntime().halt(128 + signal.number());
    }

    /** The CPU asked this process to stop. */
    void stopRequested() {
        stopRequested.set(true);
    }

    /** A caller's timeout as it travels: whole milliseconds, a negative one as none, a huge one capped. */
    static Duration timeout(Duration d) {
        if (d.isNegative()) {
            return Duration.ZERO;
        }
        return Duration.ofMillis(d.compareTo(Duration.ofMillis(Long.MAX_VALUE / 2)) > 0 ? Long.MAX_VALUE / 2
                : d.toMillis());
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
        return client.call(AttachCalls.ROLE, Nothing.VALUE);
    }

    @Override
    public ProcessHandle createBackup(int cpu, RestartPolicy policy) {
        return client.call(AttachCalls.CREATE_BACKUP, new AttachCodecs.CreateBackup(cpu, policy));
    }

    @Override
    public CheckpointResult checkpoint(byte[] data) {
        requireCheckpointSize(data.length);
        return client.call(AttachCalls.CHECKPOINT, data);
    }

    @Override
    public CompletableFuture<CheckpointResult> checkpointAsync(byte[] data) {
        requireCheckpointSize(data.length);
        return client.callAsync(AttachCalls.CHECKPOINT_ASYNC, data);
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
        return client.call(AttachCalls.AWAIT_TAKEOVER, Nothing.VALUE, applier);
    }

    @Override
    public Optional<SystemMessage> readSystemMessage(Duration timeout) {
        return client.call(AttachCalls.READ_SYSTEM_MESSAGE, timeout(timeout));
    }

    @Override
    public boolean isStopRequested() {
        if (stopRequested.get()) {
            return true;
        }
        return client.call(AttachCalls.STOP_REQUESTED, Nothing.VALUE);
    }

    @Override
    public void abend(String reason) {
        throw new AttachMain.Abend(reason);
    }

    @Override
    public Receive openReceive(int receiveDepth, boolean openMessages) {
        int depth = client.call(AttachCalls.OPEN_RECEIVE, new AttachCodecs.OpenReceive(receiveDepth, openMessages));
        return new RemoteReceive(depth);
    }

    @Override
    public int setLoopTimer(int hundredths) {
        return client.call(AttachCalls.SET_LOOP_TIMER, hundredths);
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
            return client.call(AttachCalls.READ_UPDATE, timeout(timeout))
                    .map(u -> new RemoteRequest(u.request(), u.data(), u.info()));
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
            return client.callAsync(AttachCalls.REPLY, new AttachCodecs.Reply(id, reply, checkpoint, null));
        }

        @Override
        public CompletableFuture<CheckpointResult> reply(byte[] reply, Map<String, String> stateChanges) {
            return client.callAsync(AttachCalls.REPLY, new AttachCodecs.Reply(id, reply, null, stateChanges));
        }
    }

    // ---- checkpointed state ---------------------------------------------------------------

    private final class RemoteState implements CheckpointedMap {
        @Override
        public Optional<String> get(String key) {
            return client.call(AttachCalls.STATE_GET, key);
        }

        @Override
        public CheckpointResult put(String key, String value) {
            return client.call(AttachCalls.STATE_PUT, new AttachCodecs.KeyValue(key, value));
        }

        @Override
        public CheckpointResult remove(String key) {
            return client.call(AttachCalls.STATE_REMOVE, key);
        }

        @Override
        public Map<String, String> snapshot() {
            return client.call(AttachCalls.STATE_SNAPSHOT, Nothing.VALUE);
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
            AttachCodecs.Written w;
            try {
                w = client.call(AttachCalls.WRITE_READ, new AttachCodecs.WriteRead(id, request, timeout(timeout)));
            } catch (AttachClient.RemoteError e) {
                if (e.syncId >= 0) {
                    syncId = e.syncId;
                }
                throw e;
            }
            syncId = w.syncId();
            server = w.server();
            return w.reply();
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                client.call(AttachCalls.FILE_CLOSE, id);
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

        private Optional<org.openpair.guardian.Acquisition> acquire(int permits, AttachCodecs.AcquireMode mode,
                Duration timeout) {
            return client.call(AttachCalls.SEM_ACQUIRE, new AttachCodecs.Acquire(id, permits, mode, timeout(timeout)));
        }

        @Override
        public org.openpair.guardian.Acquisition acquire(int permits) {
            return acquire(permits, AttachCodecs.AcquireMode.WAIT, Duration.ZERO).orElseThrow();
        }

        @Override
        public Optional<org.openpair.guardian.Acquisition> tryAcquire(int permits) {
            return acquire(permits, AttachCodecs.AcquireMode.TRY, Duration.ZERO);
        }

        @Override
        public Optional<org.openpair.guardian.Acquisition> tryAcquire(int permits, Duration timeout) {
            return acquire(permits, AttachCodecs.AcquireMode.TRY_FOR, timeout);
        }

        @Override
        public void release(int permits) {
            client.call(AttachCalls.SEM_RELEASE, new AttachCodecs.Permits(id, permits));
        }

        @Override
        public void post(int permits) {
            client.call(AttachCalls.SEM_POST, new AttachCodecs.Permits(id, permits));
        }

        @Override
        public void markConsistent() {
            client.call(AttachCalls.SEM_MARK_CONSISTENT, id);
        }

        @Override
        public org.openpair.guardian.Acquisition holding() {
            return client.call(AttachCalls.SEM_HOLDING, id);
        }

        @Override
        public org.openpair.guardian.ProtectedState state() {
            return client.call(AttachCalls.SEM_STATE, id);
        }

        @Override
        public org.openpair.guardian.StateUpdate update() {
            return new RemoteUpdate(id);
        }

        @Override
        public SemaphoreInfo info() {
            return client.call(AttachCalls.SEM_INFO, id);
        }
    }

    /** Changes collected here, sent as one commit: the CPU applies them as one transaction. */
    private final class RemoteUpdate implements org.openpair.guardian.StateUpdate {
        private final long semaphore;
        private final List<AttachCodecs.Change> changes = new java.util.ArrayList<>();
        private boolean committed;

        RemoteUpdate(long semaphore) {
            this.semaphore = semaphore;
        }

        @Override
        public org.openpair.guardian.StateUpdate put(String key, byte[] value) {
            changes.add(new AttachCodecs.Change(key, value.clone()));
            return this;
        }

        @Override
        public org.openpair.guardian.StateUpdate remove(String key) {
            changes.add(new AttachCodecs.Change(key, null));
            return this;
        }

        @Override
        public long commit() {
            if (committed) {
                throw new IllegalStateException("this update was committed already");
            }
            committed = true;
            return client.call(AttachCalls.SEM_COMMIT, new AttachCodecs.Commit(semaphore, List.copyOf(changes)));
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
            AttachCodecs.Opened o = client.call(AttachCalls.FILE_OPEN, new AttachCodecs.FileOpen(name, syncDepth));
            return new RemoteFile(o.file(), name, syncDepth, o.server());
        }

        @Override
        public ProcessHandle processSpawn(SpawnRequest request) {
            return client.call(AttachCalls.SPAWN, request);
        }

        @Override
        public void processStop(ProcessHandle process) {
            client.call(AttachCalls.STOP, Optional.ofNullable(process));
        }

        @Override
        public void processStop(ProcessName name) {
            client.call(AttachCalls.STOP_NAME, Optional.ofNullable(name));
        }

        @Override
        public void processStop(ProcessHandle process, StopScope scope) {
            client.call(AttachCalls.STOP_SCOPE, new AttachCodecs.Stop(process, scope));
        }

        @Override
        public PairInfo processGetPairInfo(ProcessName name) {
            return client.call(AttachCalls.PAIR_INFO_NAME, Optional.ofNullable(name));
        }

        @Override
        public PairInfo processGetPairInfo(ProcessHandle process) {
            return client.call(AttachCalls.PAIR_INFO, Optional.ofNullable(process));
        }

        @Override
        public int processHandleCompare(ProcessHandle a, ProcessHandle b) {
            return client.call(AttachCalls.HANDLE_COMPARE, new AttachCodecs.Compare(a, b));
        }

        @Override
        public void switchPair(ProcessName name) {
            client.call(AttachCalls.SWITCH_PAIR, Optional.ofNullable(name));
        }

        @Override
        public Optional<ProcessInfo> lookup(ProcessName name) {
            return client.call(AttachCalls.LOOKUP, Optional.ofNullable(name));
        }

        @Override
        public Optional<ProcessInfo> process(ProcessHandle handle) {
            return client.call(AttachCalls.PROCESS, Optional.ofNullable(handle));
        }

        @Override
        public List<ProcessInfo> processes() {
            return client.call(AttachCalls.PROCESSES, Nothing.VALUE);
        }

        @Override
        public List<CpuInfo> cpus() {
            return client.call(AttachCalls.CPUS, Nothing.VALUE);
        }

        @Override
        public Optional<Termination> termination(ProcessHandle handle) {
            return client.call(AttachCalls.TERMINATION, Optional.ofNullable(handle));
        }

        @Override
        public List<Termination> terminations() {
            return client.call(AttachCalls.TERMINATIONS, Nothing.VALUE);
        }

        @Override
        public void kill(ProcessHandle process, Signal signal) {
            client.call(AttachCalls.KILL, new AttachCodecs.Kill(process, signal));
        }

        @Override
        public void kill(ProcessName name, Signal signal) {
            client.call(AttachCalls.KILL_NAME, new AttachCodecs.KillName(name, signal));
        }

        @Override
        public RobustSemaphore semaphoreCreate(String name, int permits, DeathPolicy policy) {
            return new RemoteSemaphore(client.call(AttachCalls.SEM_CREATE,
                    new AttachCodecs.SemCreate(name, permits, policy)), name);
        }

        @Override
        public RobustSemaphore semaphore(String name) {
            return new RemoteSemaphore(client.call(AttachCalls.SEM_OPEN, name), name);
        }

        @Override
        public List<SemaphoreInfo> semaphores() {
            return client.call(AttachCalls.SEMAPHORES, Nothing.VALUE);
        }

        @Override
        public int semaphorePurge(String name) {
            return client.call(AttachCalls.SEM_PURGE, name);
        }
    }
}
