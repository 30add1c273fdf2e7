package org.openpair.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
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
import org.openpair.testing.programs.SendSignal;

/**
 * Loop timers and signals across real CPU JVMs: the watchdog example's stuck primary is ended by
 * SIGTIMEOUT and its backup in the other JVM takes over; a process in one CPU JVM signals a
 * process in the other; the operator's {@code guardian kill} from this JVM. One node of two CPU
 * JVMs for the class.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SignalsIT {
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static TestCluster cluster;
    private static Guardian guardian;
    private static GuardianCli cli;

    @BeforeAll
    static void startNode() {
        cluster = TestCluster.start(2);
        guardian = cluster.guardian();
        cli = cluster.cli();
    }

    @AfterAll
    static void stopNode() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String log(ProcessInfo p) {
        try {
            return Files.readString(Path.of(p.logFile()), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void watchdog_stuckPrimaryEndedBySigtimeout_backupInTheOtherJvmTakesOverFromTheLastCheckpoint() {
        ProcessName dog = ProcessName.of("$DOG");
        ProcessHandle primary = guardian.processSpawn(SpawnRequest.of(
                Program.hosted("org.openpair.examples.WatchdogServer")).name("$DOG").cpu(1).args("0", "30", "30").build());
        ProcessInfo primaryInfo = guardian.process(primary).orElseThrow();
        TestCluster.awaitCondition("the primary's end", BOUND, () -> guardian.termination(primary).isPresent());
        Termination t = guardian.termination(primary).orElseThrow();
        assertThat(t.cause()).isEqualTo(TerminationCause.LOOP_TIMEOUT);
        assertThat(t.completionCode()).isEqualTo(-1);
        assertThat(log(primaryInfo)).contains("stuck at pass 30");

        TestCluster.awaitCondition("the name on CPU 0", BOUND, () -> guardian.lookup(dog)
                .map(p -> p.handle().cpu() == 0).orElse(false));
        ProcessInfo survivor = guardian.lookup(dog).orElseThrow();
        TestCluster.awaitCondition("the takeover line", BOUND, () -> log(survivor).contains("took over"));
        assertThat(log(survivor)).contains("took over at pass 30 (PRIMARY_LOOP_TIMEOUT, completion code -1)");
        TestCluster.awaitCondition("the new primary goes on past pass 40", BOUND, () -> log(survivor).contains("pass 41"));
        guardian.processStop(guardian.lookup(dog).orElseThrow().handle(), org.openpair.guardian.StopScope.PAIR);
    }

    @Test
    void kill_fromAProcessInOneCpuJvm_toAProcessInTheOther_andTheOperatorsGuardianKill() {
        ProcessHandle sub = guardian.processSpawn(SpawnRequest.of(Program.hosted("org.openpair.examples.SubsystemDemo"))
                .name("$SUB").cpu(1).args("300").build());
        ProcessInfo subInfo = guardian.process(sub).orElseThrow();
        TestCluster.awaitCondition("the demo is ready", BOUND, () -> log(subInfo).contains("ready"));

        ProcessHandle sender = guardian.processSpawn(SpawnRequest.of(Program.hosted(SendSignal.class))
                .cpu(0).args("$SUB", "USR1").build());
        TestCluster.awaitCondition("the sender's end", BOUND, () -> guardian.termination(sender).isPresent());
        TestCluster.awaitCondition("SIGUSR1 handled in the other JVM", BOUND,
                () -> log(subInfo).contains("application: SIGUSR1"));

        GuardianCli.Result missing = cli.run("kill", "--signal", "USR1", "$NOPE");
        assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(1);
        assertThat(missing.err()).contains("error 14");
        GuardianCli.Result badSignal = cli.run("kill", "--signal", "SIGNOPE", "$SUB");
        assertThat(badSignal.exitCode()).as(badSignal.toString()).isEqualTo(1);
        assertThat(badSignal.err()).contains("error 2");
        assertThat(guardian.process(sub)).as("the refusals did not harm it").isPresent();

        GuardianCli.Result term = cli.run("kill", "--signal", "TERM", "$SUB");
        assertThat(term.exitCode()).as(term.toString()).isZero();
        assertThat(term.out()).contains("sent SIGTERM to");
        TestCluster.awaitCondition("the demo's end", BOUND, () -> guardian.termination(sub).isPresent());
        // SIGTERM is caught by the demo, which then returns normally.
        assertThat(guardian.termination(sub).orElseThrow().completionCode()).isZero();
        assertThat(log(subInfo)).contains("application: SIGTERM, ending");
    }
}
