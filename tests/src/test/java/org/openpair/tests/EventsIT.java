package org.openpair.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openpair.emulator.cli.GuardianCommand;
import org.openpair.emulator.config.ConfigSources;
import org.openpair.emulator.names.Epochs;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.testing.TestCluster;

import picocli.CommandLine;

/**
 * {@code guardian events --follow} on a node of three CPU JVMs while the CPU of a pair's primary
 * is killed with {@code kill -9}: the follower, talking to a surviving CPU, prints the loss
 * ({@code CpuDown}, with its evidence) and the backup's {@code Takeover}, with cause
 * {@code CPU_FAILED}, the old and new primary, the epoch and a duration.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class EventsIT {
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final ProcessName EVT = ProcessName.of("$EVT");
    private static final String COUNTER_SERVER = "org.openpair.examples.CounterServer";
    private static final Pattern HELD = Pattern.compile("^counter (\\d+) held by backup$", Pattern.MULTILINE);

    private static TestCluster cluster;
    private static Guardian guardian;

    @BeforeAll
    static void startNode() {
        cluster = TestCluster.builder().cpus(3).start();
        guardian = cluster.guardian();
    }

    @AfterAll
    static void stopNode() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void kill9OfThePrimarysCpu_followShowsCpuDownAndTheTakeover_withCauseAndDuration() throws Exception {
        ProcessHandle primary = guardian.processSpawn(SpawnRequest.of(Program.hosted(COUNTER_SERVER)).name("$EVT")
                .cpu(1).args("2", "20").build());
        Path primaryLog = Path.of(guardian.process(primary).orElseThrow().logFile());
        TestCluster.awaitCondition("$EVT's backup to hold checkpoints", BOUND, () -> {
            Matcher m = HELD.matcher(read(primaryLog));
            int held = 0;
            while (m.find()) {
                held++;
            }
            return held >= 5;
        });
        PairInfo before = guardian.processGetPairInfo(EVT);
        ProcessHandle backup = before.backup();
        assertThat(backup.cpu()).isEqualTo(2);

        // The follower talks to CPU 0's admin socket: a CPU that survives.
        Path empty = Files.createTempDirectory("openpair-events-it-");
        List<String> args = new ArrayList<>(List.of("events"));
        args.addAll(cluster.nodeOptions());
        args.add("--follow");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = GuardianCommand.commandLine(new ConfigSources(empty, empty, Map.of(), empty));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        AtomicInteger exit = new AtomicInteger(-1);
        Thread follower = new Thread(() -> exit.set(cl.execute(args.toArray(String[]::new))), "events-follow");
        follower.setDaemon(true);
        follower.start();
        try {
            TestCluster.awaitCondition("the follower to print the pair's start", BOUND,
                    () -> out.toString().contains("ProcessStarted process=" + backup.cpuPin()));

            cluster.kill9(1);

            TestCluster.awaitCondition("--follow to show CPU 1 down", BOUND,
                    () -> out.toString().lines().anyMatch(l -> l.contains(" CpuDown down=1 evidence=")),
                    () -> "out:\n" + out + "\nerr:\n" + err);
            String takeoverPrefix = " Takeover name=$EVT cause=CPU_FAILED old=" + primary.cpuPin() + " new="
                    + backup.cpuPin() + " epoch=";
            TestCluster.awaitCondition("--follow to show the takeover", BOUND,
                    () -> out.toString().contains(takeoverPrefix), () -> "out:\n" + out + "\nerr:\n" + err);
            String line = out.toString().lines().filter(l -> l.contains(takeoverPrefix)).findFirst().orElseThrow();
            Matcher m = Pattern.compile(" cpu2 Takeover .* epoch=(\\S+) durationMs=(\\d+)$").matcher(line);
            assertThat(m.find()).as(line).isTrue();
            long after = guardian.processGetPairInfo(EVT).epoch();
            assertThat(after).isGreaterThan(before.epoch());
            assertThat(m.group(1)).isEqualTo(Epochs.format(after));
        } finally {
            follower.interrupt();
            follower.join(BOUND.toMillis());
        }
        assertThat(follower.isAlive()).as("the follower ends when interrupted").isFalse();
        assertThat(exit.get()).as("out:%n%s%nerr:%n%s", out, err).isZero();
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }
}
