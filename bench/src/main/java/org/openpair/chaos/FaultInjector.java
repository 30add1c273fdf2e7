package org.openpair.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.openpair.emulator.os.NativeException;
import org.openpair.emulator.os.NativeOs;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;

/**
 * Makes one fault for real against the node and brings the node back: killed CPUs are started
 * again and the node is awaited whole before the next fault. Every wait is bounded; a wait that
 * gives up is written in the fault's note (the pairs' survival is judged afterwards, by
 * {@link ChaosRun}), never thrown, so one bad fault does not hide the history of the others.
 */
final class FaultInjector {
    /**
     * State grown by the key-value fault: 70 values of 60 KiB, just over 4 MiB. Not fewer, larger
     * values: a value of the checkpointed map over 64 KiB abends the server that replies with it
     * (the map's encoding writes each string with {@code writeUTF}), and the resent request then
     * abends each new primary in turn.
     */
    static final int GROW_VALUES = 70;
    static final int GROW_VALUE_BYTES = 60 * 1024;
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final int ACKS_AFTER_NEW_BACKUP = 20;
    /** Hazelcast's first merge check runs 10 s after a member starts, then every 5 s. */
    private static final Duration MERGE_BOUND = Duration.ofSeconds(90);

    private final ChaosNode node;
    private final Guardian g;
    private final List<ChaosPair> pairs;
    /** The pairs the run has found lost so far (read only): nobody waits for their backups. */
    private final Set<String> lostPairs;
    private final History history;
    private final Duration requestTimeout;
    private final Duration takeoverBound;
    private int grows;
    /** When the current fault took effect (the signal sent, the link down): 0 until it has. */
    private long effectiveAt;
    /** Why partitions cannot be made, or null if they can. */
    private final String noPartition;

    FaultInjector(ChaosNode node, List<ChaosPair> pairs, Set<String> lostPairs, History history, Duration requestTimeout,
                  String noPartition) {
        this.noPartition = noPartition;
        this.lostPairs = lostPairs;
        this.node = node;
        this.g = node.guardian();
        this.pairs = pairs;
        this.history = history;
        this.requestTimeout = requestTimeout;
        // A frozen CPU is declared dead only after the heartbeat timeout: wait well beyond it.
        this.takeoverBound = BOUND.plusSeconds(6L * node.config().heartbeatTimeoutSeconds());
    }

    FaultRecord make(Fault fault) {
        ChaosPair pair = pairs.get(fault.pair());
        String name = pair.name().toString();
        boolean partition = fault.kind() == FaultKind.PARTITION_PRIMARY || fault.kind() == FaultKind.PARTITION_BACKUP;
        if (partition && noPartition != null) {
            long now = System.nanoTime();
            return new FaultRecord(fault, name, now, now, noPartition, "");
        }
        List<String> notes = new ArrayList<>();
        PairInfo before = g.processGetPairInfo(pair.name());
        boolean onBackup = fault.kind() == FaultKind.KILL_BACKUP_CPU || fault.kind() == FaultKind.PARTITION_BACKUP;
        if (onBackup && before.backup() == null) {
            // The run waits for ready backups before each fault; one that did not come is the
            // earlier fault's story (its notes say so), and this fault has nothing to act on.
            long now = System.nanoTime();
            return new FaultRecord(fault, name, now, now, "the pair had no backup to fault", "");
        }
        long start = System.nanoTime();
        effectiveAt = 0;
        try {
            switch (fault.kind()) {
                case KILL_PRIMARY_CPU -> killCpu(before.primary().cpu(), notes);
                case KILL_BACKUP_CPU -> killCpu(before.backup().cpu(), notes);
                case SWITCH -> switchPair(pair, notes);
                case SWITCH_THEN_KILL -> {
                    switchPair(pair, notes);
                    Waits.pause(Duration.ofMillis(fault.millis()));
                    PairInfo after = g.processGetPairInfo(pair.name());
                    killCpu(after.primary().cpu(), notes);
                }
                case FREEZE_PRIMARY_CPU -> freeze(pair, before, notes);
                case PAUSE_PRIMARY_CPU -> {
                    int cpu = before.primary().cpu();
                    node.sigstop(cpu);
                    effective();
                    Waits.pause(Duration.ofMillis(fault.millis()));
                    node.sigcont(cpu);
                }
                case KILL_PRIMARY_PROCESS -> killProcess(before.primary(), notes);
                case PARTITION_PRIMARY -> partition(pair, before, before.primary().cpu(), notes);
                case PARTITION_BACKUP -> partition(pair, before, before.backup().cpu(), notes);
                case GROW_STATE_THEN_KILL -> {
                    grow(pair, notes);
                    growThenKill(pair, notes);
                }
                default -> throw new IllegalStateException("unhandled fault " + fault.kind());
            }
            if (!awaitNewPrimaryIfExpected(fault.kind(), pair, before)) {
                notes.add("no new primary of " + name + " within " + takeoverBound.toSeconds() + " s");
            }
        } catch (RuntimeException e) {
            notes.add("fault interrupted: " + e);
        }
        if (!node.restartDead()) {
            notes.add("the node was not whole again within " + ChaosNode.SETTLE_BOUND.toSeconds() + " s");
        }
        return new FaultRecord(fault, name, effectiveAt != 0 ? effectiveAt : start, System.nanoTime(), null,
                String.join("; ", notes));
    }

    private boolean awaitNewPrimaryIfExpected(FaultKind kind, ChaosPair pair, PairInfo before) {
        boolean expected = kind == FaultKind.KILL_PRIMARY_CPU || kind == FaultKind.KILL_PRIMARY_PROCESS
                || kind == FaultKind.FREEZE_PRIMARY_CPU || kind == FaultKind.PARTITION_PRIMARY;
        return !expected || Waits.until(takeoverBound, () -> {
            PairInfo p = g.processGetPairInfo(pair.name());
            return p.primary() != null && p.epoch() > before.epoch();
        });
    }

    /** Marks the first moment the fault is in force: requests sent before it do not measure it. */
    private void effective() {
        if (effectiveAt == 0) {
            effectiveAt = System.nanoTime();
        }
    }

    private void killCpu(int cpu, List<String> notes) {
        boolean reaped = node.kill9(cpu);
        effective();
        if (!reaped) {
            notes.add("CPU " + cpu + "'s JVM did not exit after SIGKILL");
        }
        notes.add("killed CPU " + cpu);
    }

    private void switchPair(ChaosPair pair, List<String> notes) {
        effective();
        try {
            g.switchPair(pair.name());
            notes.add("switched, epoch " + g.processGetPairInfo(pair.name()).epoch());
        } catch (GuardianException e) {
            notes.add("switch refused: " + e.oneLine());
        }
    }

    /**
     * Frozen past the heartbeat timeout, the CPU is declared dead and its primary's backup
     * promoted; thawed, it must find out and fence itself. If the node has not taken it back
     * within the bound, it is killed and started again like any dead CPU.
     */
    private void freeze(ChaosPair pair, PairInfo before, List<String> notes) {
        int cpu = before.primary().cpu();
        node.sigstop(cpu);
        effective();
        boolean promoted;
        try {
            promoted = Waits.until(takeoverBound, () -> {
                PairInfo p = g.processGetPairInfo(pair.name());
                return p.primary() != null && p.epoch() > before.epoch();
            });
        } finally {
            node.sigcont(cpu);
        }
        notes.add("froze CPU " + cpu + (promoted ? "" : " (no new primary while frozen)"));
        if (!node.awaitWhole(BOUND)) {
            notes.add("thawed CPU " + cpu + " not back in the node within " + BOUND.toSeconds() + " s: killed"
                    + node.threadDumps());
            node.kill9(cpu);
        }
    }

    /**
     * Cuts a CPU off (its peers hear silence, it hears nothing) until the others have declared it
     * down (a new primary named, for the primary's CPU), then heals. Alone and below the quorum it
     * must have stopped its primaries; merged back, it must not act as one. If the node has not
     * taken it back within the bound, it is killed and started again like any dead CPU.
     */
    private void partition(ChaosPair pair, PairInfo before, int cpu, List<String> notes) {
        node.cut(cpu);
        effective();
        boolean separated;
        try {
            separated = Waits.until(takeoverBound, () -> {
                if (cpu == before.primary().cpu()) {
                    PairInfo p = g.processGetPairInfo(pair.name());
                    return p.primary() != null && p.epoch() > before.epoch();
                }
                return !node.upCpus().contains(cpu);
            });
        } finally {
            node.heal(cpu);
        }
        notes.add("cut CPU " + cpu + " off" + (separated ? "" : " (the others had not declared it down)") + ", healed");
        if (!node.awaitWhole(MERGE_BOUND)) {
            notes.add("CPU " + cpu + " not back in the node within " + MERGE_BOUND.toSeconds() + " s of the heal: killed"
                    + node.threadDumps());
            node.kill9(cpu);
        }
    }

    private void killProcess(ProcessHandle primary, List<String> notes) {
        long pid = g.process(primary).map(ProcessInfo::pid).orElse(0L);
        if (pid <= 0) {
            notes.add("the primary " + primary + " has no pid");
            return;
        }
        try {
            NativeOs.get().kill(pid, NativeOs.SIGKILL);
            effective();
            notes.add("killed pid " + pid);
        } catch (NativeException e) {
            notes.add("cannot kill pid " + pid + ": " + e.getMessage());
        }
    }

    /** Writes the large values as ordinary requests of a client of its own. */
    private void grow(ChaosPair pair, List<String> notes) {
        int acked = 0;
        try (Requests writer = new Requests(g, pair.name(), "grow" + ++grows, requestTimeout, history)) {
            for (int i = 0; i < GROW_VALUES; i++) {
                if (!Waits.until(BOUND, writer::ensureOpen)) {
                    break;
                }
                if (writer.put("big.b" + i, GROW_VALUE_BYTES).outcome() == Outcome.OK) {
                    acked++;
                }
            }
        }
        notes.add("grew " + pair.name() + " by " + acked + " x " + GROW_VALUE_BYTES / 1024 + " KiB");
    }

    /**
     * A new backup is made on the large state when the old one's CPU dies; once the killed CPU is
     * back (two of three CPUs must stay up for the quorum) and replies have flowed through the new
     * backup, its primary's CPU dies too, and that backup must take over with everything. Before
     * that second kill every other pair must have its backup again too: one whose backup died with
     * the first CPU and whose primary is on the second would otherwise be killed twice in one
     * fault, a double fault of the run's own making (a large ledger's new backup took over 12 s
     * under load, and the pair was lost with both members). If one is still not ready after the
     * bound, the second kill is not made at all: the fault is then a kill of the backup's CPU.
     */
    private void growThenKill(ChaosPair pair, List<String> notes) {
        PairInfo before = g.processGetPairInfo(pair.name());
        int backupCpu = before.backup().cpu();
        killCpu(backupCpu, notes);
        boolean newBackup = Waits.until(BOUND, () -> {
            PairInfo p = g.processGetPairInfo(pair.name());
            return p.backup() != null && p.backup().cpu() != backupCpu;
        });
        if (!newBackup) {
            notes.add("no new backup within " + BOUND.toSeconds() + " s");
        }
        if (!node.restartDead()) {
            notes.add("CPU " + backupCpu + " not back within " + ChaosNode.SETTLE_BOUND.toSeconds() + " s");
        }
        long acked = history.acked(pair.name().toString());
        if (!Waits.until(BOUND, () -> history.acked(pair.name().toString()) >= acked + ACKS_AFTER_NEW_BACKUP)) {
            notes.add("fewer than " + ACKS_AFTER_NEW_BACKUP + " replies through the new backup within " + BOUND.toSeconds() + " s");
        }
        if (!ChaosRun.awaitBackupsReady(g, pairs, lostPairs)) {
            // Waiting was not enough on a loaded machine (a 460,660-entry ledger's new backup was
            // still filling 89 s on at a load of 20-30, and the second kill took its only member).
            notes.add("not every pair had a ready backup again within " + BOUND.toSeconds() + " s: no second kill");
            return;
        }
        PairInfo withNew = g.processGetPairInfo(pair.name());
        killCpu(withNew.primary().cpu(), notes);
        if (!Waits.until(takeoverBound, () -> {
            PairInfo p = g.processGetPairInfo(pair.name());
            return p.primary() != null && p.epoch() > withNew.epoch();
        })) {
            notes.add("no new primary after the second kill within " + takeoverBound.toSeconds() + " s");
        }
    }
}
