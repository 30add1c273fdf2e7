package org.openpair.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openpair.examples.CounterMover;
import org.openpair.guardian.Consistency;
import org.openpair.guardian.DeathPolicy;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.Program;
import org.openpair.guardian.ProtectedState;
import org.openpair.guardian.SemaphoreInfo;
import org.openpair.guardian.SpawnRequest;
import org.openpair.testing.TestCluster;

/**
 * Robust semaphores across real CPU JVMs: the holder's whole CPU killed with kill -9, and the
 * CounterMover example whose movers are stopped again and again while the invariant holds.
 */
class SemaphoreIT {
    private static final Duration BOUND = Duration.ofSeconds(30);

    /** One node for the class; each test starts with both CPUs up, whatever an earlier one killed. */
    @RegisterExtension
    static final SharedCluster NODE = SharedCluster.cpus(2);

    private final TestCluster cluster = NODE.cluster();
    private final Guardian guardian = NODE.guardian();

    @Test
    void holdersCpuKilledWithKill9_waiterOnTheOtherCpuAcquiresWithOwnerDied() {
        guardian.semaphoreCreate("cpukill", 1, DeathPolicy.RELEASE);
        ProcessHandle holder = guardian.processSpawn(SpawnRequest.of(Program.hosted(SemaphorePrograms.Holds.class.getName()))
                .args("cpukill").cpu(1).build());
        TestCluster.awaitCondition("the holder on CPU 1 holds", BOUND,
                () -> guardian.semaphore("cpukill").info().holders().containsKey(holder));
        ProcessHandle waiter = guardian.processSpawn(SpawnRequest.of(
                Program.hosted(SemaphorePrograms.WaitsAndReports.class.getName())).args("cpukill").cpu(0).build());
        TestCluster.awaitCondition("the waiter on CPU 0 queued", BOUND,
                () -> guardian.semaphore("cpukill").info().waiters() == 1);

        cluster.kill9(1);

        TestCluster.awaitCondition("the waiter holds and reported", BOUND,
                () -> guardian.semaphore("cpukill").state().getLong("ownerDied").isPresent());
        ProtectedState s = guardian.semaphore("cpukill").state();
        assertThat(s.getLong("ownerDied")).hasValue(1);
        assertThat(s.getLong("deadOwners")).hasValue(1);
        SemaphoreInfo info = guardian.semaphore("cpukill").info();
        assertThat(info.holders()).containsOnlyKeys(waiter);
        assertThat(info.consistency()).isEqualTo(Consistency.CONSISTENT);
        assertThat(guardian.termination(holder).orElseThrow().completionCode()).isEqualTo(-4);
    }

    @Test
    void counterMoverExample_sumStaysConstantWhileMoversAreStoppedAgainAndAgain() throws InterruptedException {
        List<ProcessHandle> movers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            movers.add(spawnMover(i % 2));
        }
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        long commitsBefore = 0;
        for (int round = 0; round < 12; round++) {
            TestCluster.awaitCondition("movers make progress", BOUND, () -> stateVersion() > 0);
            Thread.sleep(rnd.nextInt(20, 120));
            int victim = rnd.nextInt(movers.size());
            try {
                guardian.processStop(movers.get(victim));
            } catch (GuardianException e) {
                // It abended already (a broken invariant): the assertion below says so.
            }
            movers.set(victim, spawnMover(rnd.nextInt(2)));
            assertThat(guardian.terminations().stream().filter(t -> movers.contains(t.process())).count()).isZero();
            ProtectedState s = guardian.semaphore("movers").state();
            assertThat(s.getLong("left").orElse(CounterMover.TOTAL) + s.getLong("right").orElse(0))
                    .isEqualTo(CounterMover.TOTAL);
            assertThat(s.version()).isGreaterThanOrEqualTo(commitsBefore);
            commitsBefore = s.version();
        }
        for (ProcessHandle m : movers) {
            guardian.processStop(m);
        }
        // No mover ever abended: each checks the invariant under the semaphore before every transfer.
        assertThat(guardian.terminations().stream()
                .filter(t -> t.program().contains("CounterMover") && t.completionCode() == 5)).isEmpty();
        assertThat(guardian.semaphore("movers").info().consistency()).isNotEqualTo(Consistency.NOT_RECOVERABLE);
    }

    private long stateVersion() {
        try {
            return guardian.semaphore("movers").state().version();
        } catch (GuardianException e) {
            return 0;
        }
    }

    private ProcessHandle spawnMover(int cpu) {
        return guardian.processSpawn(SpawnRequest.of(Program.hosted(CounterMover.class.getName())).args("5").cpu(cpu).build());
    }
}
