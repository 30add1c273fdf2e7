package org.openpair.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.Termination;
import org.openpair.guardian.TerminationCause;
import org.openpair.testing.GuardianCli;
import org.openpair.testing.TestCluster;
import org.openpair.testing.TestPorts;
import org.openpair.testing.programs.WaitForStop;

/**
 * A CPU number is held by one CPU at a time: a second {@code guardian cpu start --cpu 0} is
 * refused with error 12 and exits non-zero, whether it reaches the node (another port, joined
 * through {@code --members}) or cannot even bind (the same port), and the CPU 0 that was there
 * keeps serving.
 */
class CpuNumberInUseIT {
    /** A refused CPU still starts a JVM and a member: generous. */
    private static final Duration EXIT_BOUND = Duration.ofSeconds(120);

    private static TestCluster cluster;
    private static Guardian guardian;

    @BeforeAll
    static void startCpu0() {
        cluster = TestCluster.start(1);
        guardian = cluster.guardian();
    }

    @AfterAll
    static void stopNode() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void secondCpu0_joiningTheNodeFromAnotherPort_isRefusedWithError12_andExitsNonZero() {
        GuardianCli.Result r = startDuplicateCpu0ThroughMembers("dup-members");

        assertRefusedWithError12(r);
        // It was a member of the node for a moment: once the node has seen it leave, CPU 0 serves.
        cluster.awaitMemberCount(1);
        assertFirstCpuServes("$DUP1");
    }

    @Test
    void secondCpu0_onTheSamePort_isRefusedWithError12_andExitsNonZero() {
        GuardianCli.Result r = GuardianCli.executeInNewJvm(cluster.logDir().resolve("dup-port"), EXIT_BOUND,
                cluster.cpuStartArgs(0).toArray(String[]::new));

        assertRefusedWithError12(r);
        assertThat(r.out() + r.err()).contains("in use");
        assertFirstCpuServes("$DUP2");
    }

    @Test
    void callsForCpu0_rightAfterTheRefusedDuplicateExits_stillReachTheRunningCpu0() {
        GuardianCli.Result r = startDuplicateCpu0ThroughMembers("dup-route");
        assertRefusedWithError12(r);

        // No wait here: the node may still list the departed duplicate as a member carrying CPU
        // number 0, but calls for CPU 0 belong to the CPU that holds the number.
        assertFirstCpuServes("$DUP3");
    }

    @Test
    void refusedDuplicate_leavesTheProcessesOfTheRunningCpu0InTheTables() {
        ProcessHandle keep = guardian.processSpawn(SpawnRequest.of(Program.hosted(WaitForStop.class))
                .name("$KEEP").cpu(0).build());

        GuardianCli.Result r = startDuplicateCpu0ThroughMembers("dup-keep");
        assertRefusedWithError12(r);
        cluster.awaitMemberCount(1);
        assertFirstCpuServes("$DUP4");

        // The survivors retire a departed member's processes asynchronously, after its removal:
        // the duplicate's removal must retire nothing, since it ran nothing.
        TestCluster.assertStaysTrue("$KEEP, still running on CPU 0, stays in the tables with no termination",
                Duration.ofSeconds(3), () -> guardian.termination(keep).isEmpty()
                        && guardian.lookup(ProcessName.of("$KEEP")).map(ProcessInfo::handle).filter(keep::equals).isPresent());
        guardian.processStop(keep);
        assertThat(guardian.termination(keep)).map(Termination::cause).contains(TerminationCause.STOPPED);
    }

    private static void assertRefusedWithError12(GuardianCli.Result r) {
        assertThat(r.exitCode()).as("exit code of the duplicate CPU 0\n%s", r).isNotZero();
        assertThat(r.out() + r.err()).as("output of the duplicate CPU 0").contains("error 12").contains("CPU 0")
                .doesNotContain("is up at").doesNotContain("\tat ");
    }

    /** {@code cpu start --cpu 0} on another port block, joining the running CPU 0 through --members. */
    private static GuardianCli.Result startDuplicateCpu0ThroughMembers(String outputName) {
        int otherBase = TestPorts.freeBlock(16);
        String firstCpu = cluster.config().cpuAddresses().get(0);
        return GuardianCli.executeInNewJvm(cluster.logDir().resolve(outputName), EXIT_BOUND,
                "cpu", "start", "--cpu", "0", "--node", cluster.config().nodeName(),
                "--base-port", String.valueOf(otherBase), "--members", firstCpu,
                "--log-dir", cluster.logDir().toString());
    }

    /** The CPU 0 that was up first still creates and stops processes, and is the one listed. */
    private static void assertFirstCpuServes(String name) {
        assertThat(cluster.isRunning(0)).isTrue();
        ProcessHandle h = guardian.processSpawn(SpawnRequest.of(Program.executable("sleep"))
                .args("600").name(name).cpu(0).build());
        assertThat(h.cpu()).isEqualTo(0);
        assertThat(guardian.lookup(ProcessName.of(name))).map(ProcessInfo::handle).contains(h);
        guardian.processStop(h);
        assertThat(guardian.termination(h)).map(Termination::completionCode).contains(6);
        assertThat(guardian.cpus()).singleElement()
                .satisfies(c -> assertThat(c.address()).isEqualTo(cluster.config().cpuAddresses().get(0)));
    }
}
