package org.openpair.emulator.pairs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.emulator.names.Epochs;
import org.openpair.emulator.process.TestPrograms;
import org.openpair.guardian.CheckpointResult;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.PairStatus;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.StopScope;
import org.openpair.guardian.SystemMessage;
import org.openpair.guardian.Takeover;
import org.openpair.guardian.TakeoverCause;

/**
 * Process pairs on three CPUs in this JVM: backup creation, checkpoints, takeover, switch. The
 * cases that are the pair contract for every backend (takeover after a stop, NO_BACKUP, the
 * checkpoint limit) live in {@code contract.PairContract} and run hosted and as OS processes.
 */
class PairTest {
    private EmbeddedNode node;
    private Guardian g;

    @BeforeEach
    void start() {
        PairPrograms.reset();
        node = EmbeddedNode.start(TestNodes.config(3).build(), 3);
        g = node.cpu(0).guardian();
    }

    @AfterEach
    void close() {
        node.close();
    }

    private ProcessHandle spawnCounter(String name, int cpu, String backupCpu, String policy) {
        return g.processSpawn(SpawnRequest.of(Program.hosted(PairPrograms.Counter.class)).name(name).cpu(cpu)
                .args(backupCpu, policy).build());
    }

    /** Waits for a backup that may take over: one that acknowledged the primary's state snapshot. */
    private PairInfo awaitPair(String name) {
        ProcessName n = ProcessName.of(name);
        await("a ready backup for " + name, () -> g.processGetPairInfo(n).backup() != null && ready(n));
        return g.processGetPairInfo(n);
    }

    private boolean ready(ProcessName n) {
        org.openpair.emulator.names.NameEntry e = new org.openpair.emulator.node.NodeTables(node.cpu(0).engine())
                .names().get(n.toString());
        return e != null && e.ready();
    }

    @Test
    void backupOnAnotherCpu_pairInfoAndCompare() {
        ProcessHandle primary = spawnCounter("$CTR", 0, "1", "temporary");
        PairInfo pair = awaitPair("$CTR");
        assertThat(pair.status()).isEqualTo(PairStatus.PAIR);
        assertThat(pair.primary()).isEqualTo(primary);
        assertThat(pair.backup().cpu()).isEqualTo(1);
        // Named on CPU 0, so CPU 0 made its first epoch.
        assertThat(pair.epoch()).isEqualTo(Epochs.first(0));
        assertThat(g.processHandleCompare(primary, primary)).isEqualTo(2);
        assertThat(g.processHandleCompare(primary, pair.backup())).isEqualTo(1);
        // Each member is the other's parent.
        assertThat(g.process(pair.backup()).orElseThrow().ancestor()).isEqualTo(primary);
        // The backup's view, and a single and an unnamed process.
        assertThat(node.cpu(1).guardianAs(pair.backup())
                .processGetPairInfo(ProcessName.of("$CTR")).status()).isEqualTo(PairStatus.CALLER_IS_BACKUP);
        assertThat(node.cpu(0).guardianAs(primary)
                .processGetPairInfo(ProcessName.of("$CTR")).status()).isEqualTo(PairStatus.CALLER_IS_PRIMARY);
        ProcessHandle single = g.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class))
                .name("$ONE").cpu(2).build());
        ProcessHandle unnamed = g.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class)).cpu(2).build());
        assertThat(g.processGetPairInfo(ProcessName.of("$ONE")).status().code()).isEqualTo(4);
        assertThat(g.processGetPairInfo(unnamed).status().code()).isEqualTo(7);
        assertThat(g.processGetPairInfo(ProcessName.of("$NONE")).status().code()).isEqualTo(9);
        assertThat(g.processHandleCompare(primary, single)).isZero();
        assertThat(g.processHandleCompare(single, unnamed)).isZero();
    }

    @Test
    void primaryAbends_takeoverCauseAbended() {
        ProcessHandle primary = spawnCounter("$CTR", 1, "2", "temporary");
        PairInfo pair = awaitPair("$CTR");
        node.cpu(1).crash();
        await("the takeover", () -> !PairPrograms.TAKEOVERS.isEmpty());
        Takeover t = (Takeover) PairPrograms.TAKEOVERS.get(0)[0];
        assertThat(t.cause()).isEqualTo(TakeoverCause.CPU_FAILED);
        assertThat(t.termination().completionCode()).isEqualTo(-4);
        assertThat(g.processGetPairInfo(ProcessName.of("$CTR")).primary()).isEqualTo(pair.backup());
        await("the -2 message", () -> PairPrograms.MESSAGES.getOrDefault("$CTR", java.util.List.of()).stream()
                .anyMatch(m -> m instanceof SystemMessage.CpuDown d && d.cpu() == 1));
        assertThat(primary.cpu()).isEqualTo(1);
    }

    /**
     * A signal's default end fences the primary before recording the end; a program that
     * returns when its checkpoint is then refused must not turn the signal's end into a normal
     * stop (the backup would be told PRIMARY_STOPPED with completion code 0).
     */
    @Test
    void sigkillOfAPrimaryInMidCheckpoint_isTheSignalsEnd_evenIfTheProgramReturnsOnTheRefusal() {
        for (int i = 0; i < 5; i++) {
            String name = "$EGR" + i;
            ProcessHandle primary = g.processSpawn(SpawnRequest.of(Program.hosted(PairPrograms.Eager.class))
                    .name(name).cpu(1).args("2").build());
            PairInfo pair = awaitPair(name);
            String me = name + "@" + primary.cpuPin();
            await("checkpoints flowing", () -> PairPrograms.LAST_ACKED.getOrDefault(me, 0L) > 200);
            int before = PairPrograms.TAKEOVERS.size();

            g.kill(primary, org.openpair.guardian.Signal.SIGKILL);

            await("the takeover of " + name, () -> PairPrograms.TAKEOVERS.size() > before);
            Takeover t = (Takeover) PairPrograms.TAKEOVERS.get(before)[0];
            assertThat(t.cause()).as(name).isEqualTo(TakeoverCause.PRIMARY_ABENDED);
            assertThat(t.termination().completionCode()).as(name).isEqualTo(5);
            assertThat(t.termination().signal()).as(name).isEqualTo(9);
            assertThat(g.processGetPairInfo(ProcessName.of(name)).primary()).isEqualTo(pair.backup());
        }
    }

    @Test
    void backupDies_primaryTold_permanentPolicyRecreatesOnThirdCpu_withState() {
        ProcessHandle primary = spawnCounter("$CTR", 0, "1", "permanent");
        PairInfo pair = awaitPair("$CTR");
        await("checkpoints flowing", () -> acked(primary) > 20);
        node.cpu(1).crash();
        await("a new, ready backup on CPU 2", () -> {
            PairInfo p = g.processGetPairInfo(ProcessName.of("$CTR"));
            return p.backup() != null && p.backup().cpu() == 2 && ready(ProcessName.of("$CTR"));
        });
        await("the -2 message", () -> PairPrograms.MESSAGES.getOrDefault("$CTR", java.util.List.of()).stream()
                .anyMatch(m -> m.number() == -2));
        long before = acked(primary);
        // The new backup holds the state: stop the primary and the counter continues.
        g.processStop(pair.primary());
        await("the takeover", () -> !PairPrograms.TAKEOVERS.isEmpty());
        long found = (Long) PairPrograms.TAKEOVERS.get(0)[1];
        assertThat(found).isGreaterThanOrEqualTo(before);
        assertThat(found).isBetween(acked(primary), sent(primary));
    }

    @Test
    void switch_swapsRoles_withoutLosingState() {
        ProcessHandle primary = spawnCounter("$CTR", 0, "2", "temporary");
        PairInfo pair = awaitPair("$CTR");
        await("checkpoints flowing", () -> acked(primary) > 20);
        g.switchPair(ProcessName.of("$CTR"));
        PairInfo after = g.processGetPairInfo(ProcessName.of("$CTR"));
        assertThat(after.primary()).isEqualTo(pair.backup());
        assertThat(after.backup()).isEqualTo(primary);
        // The primary's CPU (0) decided the switch: one epoch later, made by CPU 0.
        long switched = Epochs.next(Epochs.first(0), 0);
        assertThat(after.epoch()).isEqualTo(switched);
        await("the takeover", () -> !PairPrograms.TAKEOVERS.isEmpty());
        Takeover t = (Takeover) PairPrograms.TAKEOVERS.get(0)[0];
        assertThat(t.cause()).isEqualTo(TakeoverCause.SWITCH);
        long found = (Long) PairPrograms.TAKEOVERS.get(0)[1];
        // A switch waits for the checkpoints in flight; later ones are refused before they leave.
        assertThat(found).isBetween(acked(primary), sent(primary));
        // Switch back: the old primary, now backup, holds what the new primary checkpointed.
        await("the new primary checkpointing", () -> acked(pair.backup()) > found + 10);
        g.switchPair(ProcessName.of("$CTR"));
        await("the second takeover", () -> PairPrograms.TAKEOVERS.size() == 2);
        assertThat(g.processGetPairInfo(ProcessName.of("$CTR")).primary()).isEqualTo(primary);
        // Switched back by the then primary, on CPU 2.
        assertThat(g.processGetPairInfo(ProcessName.of("$CTR")).epoch()).isEqualTo(Epochs.next(switched, 2));
        long second = (Long) PairPrograms.TAKEOVERS.get(1)[1];
        assertThat(second).isGreaterThan(found).isBetween(acked(pair.backup()), sent(pair.backup()));
    }

    @Test
    void stopScopes_pairStopsBoth_withoutTakeover() {
        ProcessHandle primary = spawnCounter("$CTR", 0, "1", "temporary");
        awaitPair("$CTR");
        g.processStop(primary, StopScope.PAIR);
        assertThat(g.lookup(ProcessName.of("$CTR"))).isEmpty();
        assertThat(PairPrograms.TAKEOVERS).isEmpty();
        assertThatThrownBy(() -> g.processStop(primary, StopScope.OPPOSITE))
                .isInstanceOfSatisfying(GuardianException.class, e -> assertThat(e.error()).isEqualTo(2));
    }

    @Test
    void badBackupRequests_areRefused() {
        ProcessHandle single = g.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class))
                .name("$ONE").cpu(1).build());
        ProcessHandle unnamed = g.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class)).cpu(1).build());
        Guardian asSingle = node.cpu(1).guardianAs(single);
        Guardian asUnnamed = node.cpu(1).guardianAs(unnamed);
        SpawnRequest.Builder backup = SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class)).myBackup();
        assertError(2, () -> asSingle.processSpawn(backup.cpu(1).build()));
        assertError(22, () -> asUnnamed.processSpawn(backup.cpu(2).build()));
        assertError(22, () -> g.processSpawn(backup.cpu(2).build()));
        ProcessHandle b = asSingle.processSpawn(backup.cpu(2).build());
        assertError(12, () -> asSingle.processSpawn(backup.cpu(0).build()));
        assertThat(g.processGetPairInfo(ProcessName.of("$ONE")).backup()).isEqualTo(b);
        assertError(14, () -> g.switchPair(ProcessName.of("$NOPE")));
        assertError(2, () -> g.switchPair(ProcessName.of("$ONE")));
        assertError(2, () -> SpawnRequest.of(Program.hosted("a.B")).myBackup().name("$X").build());
    }

    @Test
    void backupThatNeverReceivedTheState_doesNotTakeOver_theNameGoesAndTheBackupIsStopped() {
        ProcessHandle single = g.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class))
                .name("$RAW").cpu(1).build());
        Guardian asPrimary = node.cpu(1).guardianAs(single);
        // A backup spawned directly, not through createBackup: no snapshot ever reaches it.
        ProcessHandle backup = asPrimary.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class))
                .myBackup().cpu(2).build());
        assertThat(g.processGetPairInfo(ProcessName.of("$RAW")).backup()).isEqualTo(backup);
        g.processStop(single);
        await("the name to go", () -> g.lookup(ProcessName.of("$RAW")).isEmpty());
        await("the unready backup to be stopped", () -> g.process(backup).isEmpty());
        assertThat(g.termination(backup).orElseThrow().completionCode()).isEqualTo(6);
        assertThat(PairPrograms.TAKEOVERS).isEmpty();
    }

    @Test
    void tenThousandCheckpoints_withTakeoversBetween_inOrder_noGap_noDuplicate() {
        g.processSpawn(SpawnRequest.of(Program.hosted(PairPrograms.SequencePair.class)).name("$SEQ").cpu(0)
                .args("10000").build());
        // Each takeover's epoch is decided by the CPU of the primary stopped: it retires the name.
        long expectedEpoch = Epochs.first(0);
        for (long threshold : new long[] {2000, 4500, 7000}) {
            await("progress past " + threshold, () -> PairPrograms.SEQ_DONE.getOrDefault("$SEQ", 0L) > threshold
                    && g.processGetPairInfo(ProcessName.of("$SEQ")).backup() != null);
            expectedEpoch = Epochs.next(expectedEpoch, g.processGetPairInfo(ProcessName.of("$SEQ")).primary().cpu());
            g.processStop(ProcessName.of("$SEQ"));
        }
        await("10,000 checkpoints", () -> PairPrograms.SEQ_DONE.getOrDefault("$SEQ", 0L) == 10000);
        assertThat(PairPrograms.VIOLATIONS).isEmpty();
        assertThat(g.processGetPairInfo(ProcessName.of("$SEQ")).epoch()).isEqualTo(expectedEpoch);
        assertThat(Epochs.counter(expectedEpoch)).isEqualTo(4);
    }

    /**
     * The backup's program is handed checkpoints in batches, not woken for each; whatever the
     * backup held when its primary's CPU failed is applied, in order, before awaitTakeover
     * returns: a burst smaller than one batch (nothing after it to hand it over), and one of
     * several batches with a part batch left at the end.
     */
    @ParameterizedTest
    @ValueSource(longs = {3, 1000})
    void checkpointsHeldByTheBackup_areAllAppliedInOrderBeforeTheTakeoverReturns_whateverTheBatch(long count) {
        g.processSpawn(SpawnRequest.of(Program.hosted(PairPrograms.Burst.class)).name("$BST").cpu(1)
                .args("2", String.valueOf(count)).build());
        await("the checkpoints held by the backup", () -> PairPrograms.BURST_HELD.containsKey("$BST"));
        node.cpu(1).crash();
        await("the takeover", () -> PairPrograms.APPLIED.containsKey("$BST"));
        assertThat(PairPrograms.APPLIED.get("$BST"))
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, count).boxed().toList());
    }

    /** Batching is for busy pairs: a quiet pair's backup applies a checkpoint without waiting for more. */
    @Test
    void aQuietPairsBackup_appliesItsCheckpointsWithoutWaitingForMore() {
        g.processSpawn(SpawnRequest.of(Program.hosted(PairPrograms.Burst.class)).name("$BST").cpu(1)
                .args("2", "1").build());
        await("the checkpoint held by the backup", () -> PairPrograms.BURST_HELD.containsKey("$BST"));
        await("the checkpoint applied by the backup", () -> PairPrograms.APPLYING.getOrDefault("$BST", 0L) == 1L);
        assertThat(PairPrograms.APPLIED).isEmpty();
    }

    private static long acked(ProcessHandle h) {
        return PairPrograms.LAST_ACKED.getOrDefault("$CTR@" + h.cpuPin(), 0L);
    }

    private static long sent(ProcessHandle h) {
        return PairPrograms.LAST_SENT.getOrDefault("$CTR@" + h.cpuPin(), 0L);
    }

    private static void assertError(int error, Runnable call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(GuardianException.class,
                e -> assertThat(e.error()).as(e.getMessage()).isEqualTo(error));
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 30 s: " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
