package org.openpair.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.Termination;
import org.openpair.guardian.TerminationCause;
import org.openpair.testing.ProcStat;
import org.openpair.testing.TestCluster;
import org.openpair.testing.programs.WaitForStop;

/**
 * A CPU's JVM killed with {@code kill -9}: its processes, hosted and OS, end with completion
 * code -4 (cause CPU_DOWN) in the node's tables, their names are free again, and the OS children
 * the CPU spawned die with it. One node for the class; each test restarts whatever an earlier
 * one killed.
 */
class CpuCrashIT {
    private static final Duration BOUND = Duration.ofSeconds(30);

    /** One node for the class; each test starts with both CPUs up, whatever an earlier one killed. */
    @RegisterExtension
    static final SharedCluster NODE = SharedCluster.cpus(2);

    private final TestCluster cluster = NODE.cluster();
    private final Guardian guardian = NODE.guardian();

    @Test
    void kill9_ofCpu1_retiresItsProcessesWithCodeMinus4_freesTheirNames_andKillsItsOsChildren() {
        ProcessHandle hosted = guardian.processSpawn(SpawnRequest.of(Program.hosted(WaitForStop.class))
                .name("$HST").cpu(1).build());
        ProcessHandle os = guardian.processSpawn(SpawnRequest.of(Program.executable("sleep"))
                .args("600").name("$SLP").cpu(1).build());
        assertThat(hosted.cpu()).isEqualTo(1);
        assertThat(os.cpu()).isEqualTo(1);

        ProcessInfo sleepInfo = guardian.lookup(ProcessName.of("$SLP")).orElseThrow();
        long sleepPid = sleepInfo.pid();
        assertThat(sleepPid).as("pid of the OS process $SLP").isPositive();
        ProcStat sleep = ProcStat.of(sleepPid).orElseThrow(() -> new AssertionError("no process " + sleepPid));
        // The sleep is the CPU 1 JVM's own child: what happens to it next is that JVM's doing.
        assertThat(sleep.ppid()).as("parent of $SLP (pid %d)", sleepPid).isEqualTo(cluster.pid(1));
        assertThat(sleep.isStillRunning()).isTrue();
        assertThat(guardian.lookup(ProcessName.of("$HST"))).map(ProcessInfo::handle).contains(hosted);

        cluster.kill9(1);

        TestCluster.awaitCondition("$HST and $SLP to be retired after the kill of CPU 1", BOUND,
                () -> guardian.termination(hosted).isPresent() && guardian.termination(os).isPresent()
                        && guardian.lookup(ProcessName.of("$HST")).isEmpty()
                        && guardian.lookup(ProcessName.of("$SLP")).isEmpty());
        for (ProcessHandle h : new ProcessHandle[] {hosted, os}) {
            Termination t = guardian.termination(h).orElseThrow();
            assertThat(t.completionCode()).as("completion code of %s", h).isEqualTo(-4);
            assertThat(t.cause()).as("cause of %s", h).isEqualTo(TerminationCause.CPU_DOWN);
            assertThat(t.killer()).as("killer of %s", h).isNull();
            assertThat(guardian.process(h)).as("table entry of %s", h).isEmpty();
        }
        assertThat(guardian.processes()).noneMatch(p -> p.handle().cpu() == 1);
        cluster.awaitCpusDown(1);

        // The parent-death signal took the sleep with its CPU (a zombie awaiting its reaper counts as gone).
        TestCluster.awaitCondition("sleep pid " + sleepPid + " to die with CPU 1's JVM", BOUND,
                () -> !sleep.isStillRunning());

        // The names are free: the survivor creates them again.
        ProcessHandle again = guardian.processSpawn(SpawnRequest.of(Program.hosted(WaitForStop.class))
                .name("$HST").cpu(0).build());
        ProcessHandle sleepAgain = guardian.processSpawn(SpawnRequest.of(Program.executable("sleep"))
                .args("600").name("$SLP").cpu(0).build());
        assertThat(guardian.lookup(ProcessName.of("$HST"))).map(ProcessInfo::handle).contains(again);
        assertThat(guardian.lookup(ProcessName.of("$SLP"))).map(ProcessInfo::handle).contains(sleepAgain);
        guardian.processStop(again);
        guardian.processStop(sleepAgain);
        assertThat(guardian.termination(again)).map(Termination::completionCode).contains(6);
        assertThat(guardian.termination(sleepAgain)).map(Termination::completionCode).contains(6);
    }

    @Test
    void restartedCpu_takesBackItsNumber_andRunsNamedProcessesAgain() {
        ProcessHandle before = guardian.processSpawn(SpawnRequest.of(Program.hosted(WaitForStop.class))
                .name("$RST").cpu(1).build());
        long firstPid = cluster.pid(1);

        cluster.kill9(1);
        TestCluster.awaitCondition("$RST to be retired", BOUND, () -> guardian.termination(before).isPresent());
        cluster.restart(1);

        assertThat(cluster.pid(1)).isNotEqualTo(firstPid);
        ProcessHandle after = guardian.processSpawn(SpawnRequest.of(Program.hosted(WaitForStop.class))
                .name("$RST").cpu(1).build());
        assertThat(after.cpu()).isEqualTo(1);
        assertThat(after.verifier()).as("verifier of the new $RST").isNotEqualTo(before.verifier());
        assertThat(guardian.process(before)).as("the old handle denotes nothing").isEmpty();
        Optional<ProcessInfo> found = guardian.lookup(ProcessName.of("$RST"));
        assertThat(found).map(ProcessInfo::handle).contains(after);
        guardian.processStop(after);
        assertThat(guardian.termination(after)).map(Termination::cause).contains(TerminationCause.STOPPED);
    }

    @Test
    void frozenCpu_isDeclaredDeadAfterTheHeartbeatTimeout_andItsProcessesEndWithCodeMinus4() {
        ProcessHandle hung = guardian.processSpawn(SpawnRequest.of(Program.hosted(WaitForStop.class))
                .name("$HUNG").cpu(1).build());

        cluster.sigstop(1);
        try {
            // Heartbeat timeout 5 s: a generous bound, no claim about how fast.
            TestCluster.awaitCondition("$HUNG to be retired while CPU 1 is frozen", Duration.ofSeconds(60),
                    () -> guardian.termination(hung).isPresent());
            Termination t = guardian.termination(hung).orElseThrow();
            assertThat(t.completionCode()).isEqualTo(-4);
            assertThat(t.cause()).isEqualTo(TerminationCause.CPU_DOWN);
            assertThat(guardian.lookup(ProcessName.of("$HUNG"))).isEmpty();
            cluster.awaitCpusDown(1);
        } finally {
            // A thawed CPU that was declared dead must not come back into this node: end it.
            cluster.kill9(1);
        }
    }
}
