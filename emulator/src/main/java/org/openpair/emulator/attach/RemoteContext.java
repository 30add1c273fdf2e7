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
import org.openpair.emulator.sharedmemory.TypedSegment;
import org.openpair.emulator.signals.ProcessSignals;
import org.openpair.guardian.CheckpointResult;
import org.openpair.guardian.CheckpointedMap;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Receive;
import org.openpair.guardian.SegmentLayout;
import org.openpair.guardian.SharedSegment;
import org.openpair.guardian.RestartPolicy;
import org.openpair.guardian.Signal;
import org.openpair.guardian.Signals;
import org.openpair.guardian.SystemMessage;
import org.openpair.guardian.Takeover;

/**
 * The {@link ProcessContext} of a Java OS process: every call goes over the attach socket to its
 * CPU, which runs it against this process's objects there (its pair member, $RECEIVE, loop
 * timer). Identity, arguments and environment came with WELCOME and are answered locally; the
 * log is the process's own stdout, which the CPU pointed at its log file.
 *
 * <p>Its Guardian ({@link RemoteGuardian}), $RECEIVE ({@link RemoteReceive}), opens
 * ({@link RemoteFile}) and semaphores ({@link RemoteSemaphore}) are proxies of the same kind. The
 * signal state is the exception: it lives here ({@link #signals()}), so handlers run in this JVM,
 * and the CPU routes every signal for this process to it.
 */
final class RemoteContext implements ProcessContext {
    private final AttachClient client;
    private final ProcessHandle self;
    private final ProcessName name;
    private final List<String> args;
    private final Map<String, String> env;
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private final RemoteGuardian guardian;
    private final RemoteState state = new RemoteState();
    /** The process's signal state: here, in its own JVM, where its handlers run (see {@link #deliver}). */
    private final ProcessSignals signals;

    RemoteContext(AttachClient client, AttachCodecs.Welcome welcome) {
        this.client = client;
        this.self = welcome.self();
        this.name = welcome.name();
        this.args = welcome.args();
        this.env = welcome.env();
        this.guardian = new RemoteGuardian(client, welcome.nodeName());
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
        return client.call(AttachCalls.READ_SYSTEM_MESSAGE, AttachCodecs.timeout(timeout));
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
        return new RemoteReceive(client, depth);
    }

    @Override
    public int setLoopTimer(int hundredths) {
        return client.call(AttachCalls.SET_LOOP_TIMER, hundredths);
    }

    @Override
    public Signals signals() {
        return signals;
    }

    /** Mapped here, in the caller's process: a segment is memory, and needs nothing of the CPU. */
    @Override
    public SharedSegment sharedSegment(String name, SegmentLayout layout) {
        return TypedSegment.open(self().node(), name, layout, self());
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

}
