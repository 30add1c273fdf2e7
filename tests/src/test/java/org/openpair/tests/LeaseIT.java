package org.openpair.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.testing.TestCluster;

/**
 * A hung CPU taken over on its lease (openpair(7), "Leases"), on three CPU JVMs frozen with
 * SIGSTOP under the ledger example's traffic. The heartbeat timeout is a minute, so only the
 * lease can move the pair within the bounds here. A pause shorter than the lease moves nothing;
 * a longer one moves the pair to its backup at a higher epoch; either way every acknowledged
 * transfer is in the ledger exactly once and the total is conserved, so no reply of the frozen
 * primary's old epoch was taken for an answer after the takeover.
 *
 * <p>The requesters' engine client knows only the first primary's CPU, so the engine's view of
 * the node reaches them through the CPU that is frozen, and the pair's name is one whose entry
 * that CPU holds: they must still find the new primary on the lease, not at the heartbeat
 * timeout. (Runs lost a request that way: a read of the name or CPU table went by the client's
 * old view to the frozen CPU and waited there past the request's 45 s timeout.)
 */
class LeaseIT {
    /** The CPU the pair is spawned on, frozen later, and the only one the requesters' client knows. */
    private static final int FIRST_PRIMARY_CPU = 1;
    private static final int HEARTBEAT_TIMEOUT_SECONDS = 60;
    /** Well under the heartbeat timeout: a takeover within it was made on the lease. */
    private static final Duration LEASE_BOUND = Duration.ofSeconds(20);
    private static final long SEED = Long.getLong("safety.seed", System.nanoTime());

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void pausesBelowTheLeaseMoveNothing_aLongerFreezeMovesThePairOnTheLease_noAcknowledgedTransferLost()
            throws Exception {
        Random random = new Random(SEED);
        System.out.println("LeaseIT seed " + SEED + " (-Dsafety.seed to replay)");
        try (TestCluster cluster = TestCluster.builder().cpus(3).heartbeatTimeoutSeconds(HEARTBEAT_TIMEOUT_SECONDS)
                .leaseMillis((int) NodeConfig.ADVISED_LEASE.toMillis()).start()) {
            long leaseMillis = cluster.config().lease().toMillis();
            assertThat(leaseMillis).as("the node's lease").isPositive();
            Guardian g = cluster.guardianThrough(FIRST_PRIMARY_CPU);
            ProcessName ledger = nameHeldBy(cluster, FIRST_PRIMARY_CPU);
            g.processSpawn(SpawnRequest.of(Program.hosted("org.openpair.examples.LedgerServer"))
                    .name(ledger.toString()).cpu(FIRST_PRIMARY_CPU).args("any", "10", "1000000").build());
            PairInfo first = awaitReadyPair(g, ledger);
            List<LedgerClients.Client> clients = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                clients.add(new LedgerClients.Client("c" + c, g, ledger, 10, new Random(random.nextLong())));
            }
            clients.forEach(LedgerClients.Client::start);
            try {
                LedgerClients.awaitAcked(clients, 100);
                // Three pauses of a third of the lease: the CPU renews as soon as it runs again.
                for (int i = 0; i < 3; i++) {
                    cluster.sigstop(first.primary().cpu());
                    try {
                        Thread.sleep(leaseMillis / 3);
                    } finally {
                        cluster.sigcont(first.primary().cpu());
                    }
                    LedgerClients.awaitAcked(clients, LedgerClients.acked(clients) + 50);
                }
                PairInfo afterPauses = g.processGetPairInfo(ledger);
                assertThat(afterPauses.primary()).as("the primary after pauses shorter than the lease")
                        .isEqualTo(first.primary());
                assertThat(afterPauses.epoch()).as("the epoch after pauses shorter than the lease")
                        .isEqualTo(first.epoch());

                int frozen = first.primary().cpu();
                cluster.sigstop(frozen);
                try {
                    TestCluster.awaitCondition("the backup " + first.backup().cpuPin() + " to take over on the lease "
                            + "(the heartbeat timeout is " + HEARTBEAT_TIMEOUT_SECONDS + " s)", LEASE_BOUND, () -> {
                                PairInfo p = g.processGetPairInfo(ledger);
                                return first.backup().equals(p.primary()) && p.epoch() > first.epoch();
                            });
                    LedgerClients.awaitAcked(clients, LedgerClients.acked(clients) + 100);
                } finally {
                    cluster.sigcont(frozen);
                }
                // Thawed, the old primary's CPU is out of the node; its clients' answers all come
                // from the new primary now.
                LedgerClients.awaitAcked(clients, LedgerClients.acked(clients) + 100);
                cluster.kill9(frozen);
            } finally {
                for (LedgerClients.Client c : clients) {
                    c.finish();
                }
            }
            List<String> problems = LedgerClients.checkLedger(g, ledger, 10_000_000L, clients);
            assertThat(problems).as("seed " + SEED).isEmpty();
        }
    }

    /** A ledger name whose name-table entry CPU {@code cpu}'s member holds. */
    private static ProcessName nameHeldBy(TestCluster cluster, int cpu) {
        for (int i = 0; i < 1000; i++) {
            ProcessName candidate = ProcessName.of(String.format("$LS%03d", i));
            if (cluster.nameOwnerCpu(candidate) == cpu) {
                return candidate;
            }
        }
        throw new AssertionError("CPU " + cpu + " holds none of the names $LS000..$LS999");
    }

    private static PairInfo awaitReadyPair(Guardian g, ProcessName ledger) {
        TestCluster.awaitCondition(ledger + " to have a backup ready to take over", Duration.ofSeconds(60), () -> {
            PairInfo p = g.processGetPairInfo(ledger);
            return p.backup() != null && p.backupReady();
        });
        return g.processGetPairInfo(ledger);
    }
}
