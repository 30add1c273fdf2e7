package org.openpair.emulator.process;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import org.openpair.emulator.pairs.PairMember;
import org.openpair.emulator.sharedmemory.TypedSegment;
import org.openpair.emulator.timers.LoopTimer;
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
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.SystemMessage;
import org.openpair.guardian.Takeover;

/**
 * The part of a process's {@link ProcessContext} that the CPU serves from its own objects: the
 * pair member, $RECEIVE and loop timer of a {@link LocalProcess}. A hosted program calls it
 * directly on its own threads; an attached Java OS process reaches the very same instance over
 * its attach socket, so both kinds have one implementation of every procedure and differ only
 * in how the process runs (its log, its abend, its signals).
 */
abstract class LocalContext implements ProcessContext {
    final LocalProcess process;
    private final SpawnRequest request;
    private final Guardian guardian;
    private volatile boolean takeoverSeen;

    LocalContext(LocalProcess process, SpawnRequest request, Guardian guardian) {
        this.process = process;
        this.request = request;
        this.guardian = guardian;
    }

    /** The process's loop timer, once it runs. */
    abstract LoopTimer loopTimer();

    @Override
    public ProcessHandle self() {
        return process.info.handle();
    }

    @Override
    public Optional<ProcessName> name() {
        return Optional.ofNullable(process.info.name());
    }

    @Override
    public List<String> args() {
        return request.args();
    }

    @Override
    public Map<String, String> env() {
        return request.env();
    }

    @Override
    public Guardian guardian() {
        return guardian;
    }

    /**
     * A process created as a backup is a backup to its program until the program's
     * awaitTakeover returned: a promotion can come before the program first asks (a Java OS
     * backup takes a JVM start to get there), and the checkpointed state is applied only by
     * awaitTakeover, so a program that saw PRIMARY at once would start without its state.
     */
    @Override
    public PairRole role() {
        PairRole r = pair().role();
        return request.isMyBackup() && !takeoverSeen && r == PairRole.PRIMARY ? PairRole.BACKUP : r;
    }

    @Override
    public ProcessHandle createBackup(int cpu, RestartPolicy policy) {
        return pair().createBackup(cpu, policy);
    }

    @Override
    public CheckpointResult checkpoint(byte[] data) {
        return pair().checkpoint(PairMember.userRecord(data));
    }

    @Override
    public CompletableFuture<CheckpointResult> checkpointAsync(byte[] data) {
        return pair().checkpointAsync(PairMember.userRecord(data));
    }

    @Override
    public CheckpointedMap state() {
        return pair().state();
    }

    @Override
    public Takeover awaitTakeover(Consumer<byte[]> applier) {
        Takeover t = pair().awaitTakeover(applier);
        takeoverSeen = true;
        return t;
    }

    @Override
    public Optional<SystemMessage> readSystemMessage(Duration timeout) {
        return pair().readSystemMessage(timeout);
    }

    @Override
    public boolean isStopRequested() {
        return process.stopRequested() || process.ended.isDone();
    }

    @Override
    public Receive openReceive(int receiveDepth, boolean openMessages) {
        var receive = process.receive;
        if (receive == null) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, process.info.handle().cpuPin()
                    + " is unnamed: only a named process can be opened, so it has no $RECEIVE");
        }
        return receive.open(receiveDepth, openMessages);
    }

    @Override
    public int setLoopTimer(int hundredths) {
        return loopTimer().set(hundredths);
    }

    /** Mapped here, in the caller's process: a segment is memory, and needs nothing of the CPU. */
    @Override
    public SharedSegment sharedSegment(String name, SegmentLayout layout) {
        return TypedSegment.open(self().node(), name, layout, self());
    }

    private PairMember pair() {
        return process.pair;
    }
}
