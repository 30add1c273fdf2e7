package org.openpair.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.Termination;
import org.openpair.guardian.TerminationCause;
import org.openpair.testing.TestCluster;
import org.openpair.testing.programs.KvPair;

/**
 * A CPU JVM killed with {@code kill -9} is taken over on the kernel's evidence (its links end
 * and its port refuses new connections), not on the engine's own detection. To tell the two
 * apart, the engine here can only learn of the death from its heartbeat, after
 * {@value #HEARTBEAT_TIMEOUT_SECONDS} s: its connection monitor, which otherwise suspects a
 * member after a few failed reconnects, is given a fault count it never reaches. Each takeover
 * must therefore come well inside that timeout, or the CPUs did not act on the evidence. One
 * node of 3 CPU JVMs per test, so the quorum (2) survives the kill.
 */
class KernelEvidenceIT {
    private static final int HEARTBEAT_TIMEOUT_SECONDS = 90;
    /** Generous for a takeover that takes milliseconds, and far below the heartbeat timeout. */
    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final ProcessName KV = ProcessName.of("$KEV");

    private static TestCluster node() {
        return TestCluster.builder().cpus(3).heartbeatTimeoutSeconds(HEARTBEAT_TIMEOUT_SECONDS)
                .jvmFlag("-Dhazelcast.connection.monitor.max.faults=1000000000").start();
    }

    @Test
    void kill9OfAPrimarysCpu_thatIsNotTheMaster_backupTakesOverOnTheKernelsEvidence() {
        try (TestCluster cluster = node()) {
            int master = cluster.masterCpu();
            int victim = master == 2 ? 1 : 2;
            killPrimaryCpuAndAwaitTakeover(cluster, victim);
        }
    }

    @Test
    void kill9OfTheMastersCpu_withThePrimaryOnIt_backupTakesOverOnTheKernelsEvidence() {
        try (TestCluster cluster = node()) {
            killPrimaryCpuAndAwaitTakeover(cluster, cluster.masterCpu());
        }
    }

    private static void killPrimaryCpuAndAwaitTakeover(TestCluster cluster, int victim) {
        Guardian g = cluster.guardian();
        ProcessHandle primary = g.processSpawn(SpawnRequest.of(Program.hosted(KvPair.class)).name(KV.toString())
                .cpu(victim).build());
        TestCluster.awaitCondition(KV + " to have a ready backup", BOUND, () -> {
            PairInfo p = g.processGetPairInfo(KV);
            return primary.equals(p.primary()) && p.backup() != null && p.backupReady();
        });
        PairInfo before = g.processGetPairInfo(KV);
        ProcessHandle backup = before.backup();
        assertThat(backup.cpu()).as("the backup's CPU").isNotEqualTo(victim);

        cluster.kill9(victim);

        TestCluster.awaitCondition("the backup " + backup.cpuPin() + " to be " + KV + "'s primary after the kill of CPU "
                + victim + " (the engine alone would take " + HEARTBEAT_TIMEOUT_SECONDS + " s)", BOUND,
                () -> backup.equals(g.processGetPairInfo(KV).primary()));
        assertThat(g.processGetPairInfo(KV).epoch()).as("epoch after the takeover").isGreaterThan(before.epoch());
        TestCluster.awaitCondition("the old primary's end to be recorded", BOUND,
                () -> g.termination(primary).isPresent());
        Termination t = g.termination(primary).orElseThrow();
        assertThat(t.cause()).isEqualTo(TerminationCause.CPU_DOWN);
        assertThat(t.completionCode()).isEqualTo(-4);
        cluster.awaitCpusDown(victim);
    }
}
