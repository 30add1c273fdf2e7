package org.openpair.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.testing.TestCluster;
import org.openpair.testing.programs.WaitForStop;

/**
 * A call to a CPU that is hung (its JVM SIGSTOPped, and the heartbeat timeout far away) fails
 * with error 40 after the operator timeout (10 s by default) instead of waiting for Hazelcast's
 * own 60 s, and names the CPU; another CPU answers its calls meanwhile, and the hung one again
 * once it resumes.
 */
class HungCpuCallIT {
    /** Long enough that the frozen CPU is not declared dead while the test runs. */
    private static final int HEARTBEAT_TIMEOUT_SECONDS = 60;
    private static TestCluster cluster;

    @BeforeAll
    static void startNode() {
        // No lease either: with one, the frozen CPU is declared dead a second after its freeze
        // (LeaseIT), and a call to it ends with that; this test is about the bound on a call to a
        // CPU that nothing has declared dead.
        cluster = TestCluster.builder().cpus(2).heartbeatTimeoutSeconds(HEARTBEAT_TIMEOUT_SECONDS).leaseMillis(0).start();
    }

    @AfterAll
    static void stopNode() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void spawnOnASigstoppedCpu_isError40NamingIt_withinTheOperatorTimeout_andCpu0StillAnswers() {
        Guardian g = cluster.guardian();
        SpawnRequest onCpu1 = SpawnRequest.of(Program.hosted(WaitForStop.class)).cpu(1).build();
        ProcessHandle before = g.processSpawn(onCpu1);
        cluster.sigstop(1);
        try {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> g.processSpawn(onCpu1)).isInstanceOfSatisfying(GuardianException.class, e -> {
                assertThat(e.error()).isEqualTo(40);
                assertThat(e.getMessage()).contains("CPU 1 did not answer");
            });
            long waitedMillis = (System.nanoTime() - t0) / 1_000_000;
            // Bounded by the operator timeout, not by the heartbeat (60 s) nor Hazelcast's 60 s call timeout.
            assertThat(waitedMillis).isLessThan(HEARTBEAT_TIMEOUT_SECONDS * 1000L / 2);

            // CPU 0 answers at once: a stop of a process it does not have is refused there (14).
            assertThatThrownBy(() -> g.processStop(new ProcessHandle(cluster.config().nodeName(), 0, 4242, 1)))
                    .isInstanceOfSatisfying(GuardianException.class, e -> assertThat(e.error()).isEqualTo(14));
        } finally {
            cluster.sigcont(1);
        }
        // Resumed, CPU 1 answers again.
        TestCluster.awaitCondition("CPU 1 answers after SIGCONT", Duration.ofSeconds(30), () -> {
            try {
                g.processStop(before);
                return true;
            } catch (GuardianException e) {
                return false;
            }
        });
        assertThat(g.process(before)).isEmpty();
    }
}
