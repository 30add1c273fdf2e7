package org.openpair.emulator.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.pairs.PairPrograms;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;

/**
 * The lease on three CPUs of one JVM. A CPU whose lease neither renews nor answers stands for a
 * hung one (its engine member goes on heartbeating, so only the lease can move its pairs; the
 * heartbeat timeout is set far above the bounds here). The CPU JVMs that are really frozen with
 * SIGSTOP are in the tests module ({@code LeaseIT}, {@code PairCrashIT}).
 */
class LeaseTest {
    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final ProcessName NAME = ProcessName.of("$LSE");

    @Test
    void everyCpuHoldsItsLease_aHungCpusPairMovesOnTheLease_neverWhileItsLeaseRuns() {
        try (EmbeddedNode node = leasedNode()) {
            Guardian g = node.cpu(0).guardian();
            ProcessHandle primary = leasedPair(node);
            PairInfo before = g.processGetPairInfo(NAME);
            String primaryKey = NAME + "@" + primary.cpuPin();

            Lease hung = node.cpu(2).lease();
            hung.suspendForTests(true);
            TestNodes.await("the backup " + before.backup().cpuPin() + " to be primary", BOUND, () -> {
                PairInfo now = g.processGetPairInfo(NAME);
                if (now.primary() != null && now.primary().cpu() == 1) {
                    // The moment the node shows the new primary, the hung CPU's lease must be over.
                    assertThat(hung.held()).as("CPU 2's lease when its backup was promoted").isFalse();
                    return true;
                }
                return false;
            });
            assertThat(g.processGetPairInfo(NAME).epoch()).isGreaterThan(before.epoch());
            assertThat(node.cpu(0).lease().evictions() + node.cpu(1).lease().evictions())
                    .as("members handed to the engine on their lease").isPositive();
            long acked = PairPrograms.LAST_ACKED.getOrDefault(primaryKey, 0L);
            TestNodes.await("the new primary to go on from the last acknowledged counter " + acked, BOUND,
                    () -> PairPrograms.TAKEOVERS.stream().anyMatch(t -> (long) t[1] >= acked));
        }
    }

    /**
     * The hung CPU is the engine's master, and only one survivor runs a takeover of its own (the
     * other merely accepts the revocation, as a CPU that had just started did in a chaos run). If
     * that survivor alone let the master go, it would claim mastership while the other still
     * followed the old master, and the node would split; the takeover's winner tells the other to
     * let it go too.
     */
    @Test
    void aHungMaster_isLetGoByEverySurvivor_notByTheTakeoversWinnerAlone() {
        try (EmbeddedNode node = leasedNode()) {
            for (int cpu = 0; cpu < 3; cpu++) {
                TestNodes.await("CPU " + cpu + " to hold its lease", BOUND, node.cpu(cpu).lease()::held);
            }
            java.util.UUID master = node.cpu(0).engine().membership().cpuMembers().get(0).member();
            assertThat(node.cpu(0).engine().membership().localMember()).as("CPU 0 is the engine's master").isEqualTo(master);
            node.cpu(2).lease().acting(false);
            node.cpu(0).lease().suspendForTests(true);
            TestNodes.await("CPU 1 and CPU 2 to let the hung master go", BOUND,
                    () -> !node.cpu(1).engine().membership().isMember(master)
                            && !node.cpu(2).engine().membership().isMember(master));
            assertThat(node.cpu(1).lease().evictions()).as("CPU 1's takeovers").isEqualTo(1);
            assertThat(node.cpu(2).lease().evictions()).as("CPU 2 ran none of its own").isZero();
            for (int cpu : new int[] {1, 2}) {
                int other = 3 - cpu;
                java.util.UUID peer = node.cpu(other).engine().membership().localMember();
                TestNodes.await("CPU " + cpu + " to see CPU " + other, BOUND,
                        () -> node.cpu(cpu).engine().membership().isMember(peer));
            }
            // Both follow the same master and list each other: one node, not two halves.
            TestNodes.await("CPU 1 and CPU 2 to agree on the master", BOUND, () -> node.cpu(1).engine().membership()
                    .cpuMembers().get(0).member().equals(node.cpu(2).engine().membership().cpuMembers().get(0).member()));
        }
    }

    @Test
    void aPauseShorterThanTheLease_movesNothing() {
        try (EmbeddedNode node = leasedNode()) {
            for (int cpu = 0; cpu < 3; cpu++) {
                TestNodes.await("CPU " + cpu + " to hold its lease", BOUND, node.cpu(cpu).lease()::held);
            }
            Lease paused = node.cpu(2).lease();
            long lease = paused.settings().length().toNanos();
            paused.suspendForTests(true);
            long resumeAt = System.nanoTime() + lease / 4;
            TestNodes.await("a quarter of the lease to pass", BOUND, () -> System.nanoTime() - resumeAt >= 0);
            paused.suspendForTests(false);
            long watchUntil = System.nanoTime() + 3 * lease;
            TestNodes.await("three leases to pass", BOUND, () -> System.nanoTime() - watchUntil >= 0);
            assertThat(paused.held()).as("CPU 2's lease after the pause").isTrue();
            assertThat(node.cpu(0).lease().evictions() + node.cpu(1).lease().evictions())
                    .as("members handed to the engine on their lease").isZero();
            assertThat(node.cpu(0).engine().membership().cpuMembers()).hasSize(3);
        }
    }

    /**
     * Every CPU's lease thread stalls for longer than the lease at once, as in a chaos run where
     * one loaded machine gave two CPUs a GC pause of 1.1 s together: nobody took anybody over, so
     * the pair must keep its primary. Each CPU used to stop its primaries on finding the pause,
     * and with the backups' CPUs doing the same every pair was lost.
     */
    @Test
    void aPauseOfEveryCpuLongerThanTheLease_takesNobodyOver_andStopsNoPrimary() {
        try (EmbeddedNode node = leasedNode()) {
            Guardian g = node.cpu(0).guardian();
            ProcessHandle primary = leasedPair(node);
            PairInfo before = g.processGetPairInfo(NAME);
            String primaryKey = NAME + "@" + primary.cpuPin();

            Duration lease = node.cpu(0).lease().settings().length();
            List<Future<?>> stalls = new ArrayList<>();
            for (int cpu = 0; cpu < 3; cpu++) {
                stalls.add(node.cpu(cpu).lease().stallForTests(lease.multipliedBy(3).dividedBy(2)));
            }
            TestNodes.await("every CPU's lease thread to run again", BOUND, () -> stalls.stream().allMatch(Future::isDone));
            long watchUntil = System.nanoTime() + 3 * lease.toNanos();
            TestNodes.await("three leases to pass", BOUND, () -> System.nanoTime() - watchUntil >= 0);
            for (int cpu = 0; cpu < 3; cpu++) {
                Lease l = node.cpu(cpu).lease();
                TestNodes.await("CPU " + cpu + " to hold its lease again", BOUND, l::held);
            }
            long acked = PairPrograms.LAST_ACKED.getOrDefault(primaryKey, 0L);
            TestNodes.await("the primary to go on checkpointing past " + acked, BOUND,
                    () -> PairPrograms.LAST_ACKED.getOrDefault(primaryKey, 0L) > acked + 10);
            PairInfo after = g.processGetPairInfo(NAME);
            assertThat(after.primary()).as("the primary after the pause").isEqualTo(before.primary());
            assertThat(after.epoch()).as("the pair's epoch after the pause").isEqualTo(before.epoch());
            for (int cpu = 0; cpu < 3; cpu++) {
                assertThat(node.cpu(cpu).lease().evictions()).as("CPU " + cpu + "'s evictions").isZero();
            }
            assertThat(node.cpu(0).engine().membership().cpuMembers()).hasSize(3);
        }
    }

    /**
     * CPU 2 runs the pair's only member (its backup stopped, the restart policy makes no other),
     * and its lease thread stalls for a lease and a half, as in a GC pause. Taking CPU 2 over
     * would lose the pair, so nobody does: when the pause ends its lease is renewed and the
     * primary goes on at the same epoch. A chaos run lost a pair so (a 983 ms GC pause on the
     * CPU of a primary promoted 1.4 s before, whose new backup was not made yet).
     */
    @Test
    void aPauseOfACpuThatCarriesAPairAlone_isNotTakenOver_andThePairGoesOn() {
        try (EmbeddedNode node = leasedNode()) {
            Guardian g = node.cpu(0).guardian();
            ProcessHandle primary = leasedPair(node);
            PairInfo before = g.processGetPairInfo(NAME);
            g.processStop(before.backup());
            TestNodes.await("the pair to have no backup", BOUND, () -> g.processGetPairInfo(NAME).backup() == null);
            TestNodes.await("CPU 0 and CPU 1 to grant CPU 2 as carrying a pair alone", BOUND,
                    () -> node.cpu(0).lease().grantedAloneForTests(2) && node.cpu(1).lease().grantedAloneForTests(2));
            String primaryKey = NAME + "@" + primary.cpuPin();

            Duration lease = node.cpu(2).lease().settings().length();
            Future<?> stall = node.cpu(2).lease().stallForTests(lease.multipliedBy(3).dividedBy(2));
            TestNodes.await("CPU 2's lease thread to run again", BOUND, stall::isDone);
            TestNodes.await("CPU 2 to hold its lease again", BOUND, node.cpu(2).lease()::held);
            // Without a backup nothing is acknowledged as held by one: the counter it sends shows it runs.
            long sent = PairPrograms.LAST_SENT.getOrDefault(primaryKey, 0L);
            TestNodes.await("the primary to go on past " + sent, BOUND,
                    () -> PairPrograms.LAST_SENT.getOrDefault(primaryKey, 0L) > sent + 10);
            PairInfo after = g.processGetPairInfo(NAME);
            assertThat(after.primary()).as("the primary after the pause").isEqualTo(primary);
            assertThat(after.epoch()).as("the pair's epoch after the pause").isEqualTo(before.epoch());
            for (int cpu = 0; cpu < 3; cpu++) {
                assertThat(node.cpu(cpu).lease().evictions()).as("CPU " + cpu + "'s evictions").isZero();
            }
            assertThat(node.cpu(0).engine().membership().cpuMembers()).hasSize(3);
        }
    }

    /**
     * Three CPUs with the advised lease and a heartbeat timeout of a minute, so only the lease
     * can move a pair within the bounds here; the pair programs' acknowledgements forgotten.
     */
    private static EmbeddedNode leasedNode() {
        PairPrograms.LAST_ACKED.clear();
        return EmbeddedNode.start(TestNodes.config(3).heartbeat(1, 60).lease(NodeConfig.ADVISED_LEASE).build(), 3);
    }

    /**
     * Once every CPU holds its lease: the pair {@link #NAME} (restart policy temporary), its
     * primary on CPU 2 and a ready backup on CPU 1, past its tenth acknowledged checkpoint and
     * renewed as such; its primary.
     */
    private static ProcessHandle leasedPair(EmbeddedNode node) {
        for (int cpu = 0; cpu < 3; cpu++) {
            TestNodes.await("CPU " + cpu + " to hold its lease", BOUND, node.cpu(cpu).lease()::held);
        }
        ProcessHandle primary = node.cpu(0).guardian().processSpawn(SpawnRequest.of(Program.hosted(PairPrograms.Counter.class))
                .name(NAME.toString()).cpu(2).args("1", "temporary").build());
        TestNodes.await("a ready backup on CPU 1", BOUND, () -> {
            NameEntry e = new NodeTables(node.cpu(0).engine()).names().get(NAME.toString());
            return e != null && e.ready() && e.backup() != null && e.backup().cpu() == 1;
        });
        String primaryKey = NAME + "@" + primary.cpuPin();
        TestNodes.await("checkpoints acknowledged", BOUND, () -> PairPrograms.LAST_ACKED.getOrDefault(primaryKey, 0L) > 10);
        // Until a renewal after the backup was ready, CPU 2's grants say it carries the pair alone,
        // and a hang then is left to the heartbeat.
        TestNodes.await("CPU 0 and CPU 1 to grant CPU 2 as no longer carrying a pair alone", BOUND,
                () -> !node.cpu(0).lease().grantedAloneForTests(2) && !node.cpu(1).lease().grantedAloneForTests(2));
        return primary;
    }
}
