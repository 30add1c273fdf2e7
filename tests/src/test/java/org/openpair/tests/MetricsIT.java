package org.openpair.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.testing.GuardianCli;
import org.openpair.testing.TestCluster;
import org.openpair.testing.TestPorts;

/**
 * The metrics endpoints of CPUs in JVMs of their own ({@code cpu start --metrics-port}), scraped
 * over HTTP as an operator's {@code curl} or Prometheus would: after {@code kill -9} of the
 * primary's CPU, the survivor whose backup took over counts one takeover caused by the CPU's
 * failure, and the killed CPU's endpoint is gone with its JVM. A CPU whose metrics port is
 * taken is refused before it joins.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class MetricsIT {
    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final ProcessName CTR = ProcessName.of("$CTR");
    private static final String COUNTER_SERVER = "org.openpair.examples.CounterServer";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static TestCluster cluster;
    private static Guardian guardian;

    @BeforeAll
    static void startNode() {
        cluster = TestCluster.builder().cpus(3).metrics().start();
        guardian = cluster.guardian();
    }

    @AfterAll
    static void stopNode() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void cpuStartWhoseMetricsPortIsTaken_exits1WithError12_andTheNodeAndThePortsHolderServeOn() {
        // Its own CPU port (another block, joining through CPU 0): only the metrics port is in use,
        // held by CPU 0's endpoint.
        int taken = cluster.config().metricsPort(0).orElseThrow();
        String cpu0 = cluster.config().cpuAddresses().get(0);
        GuardianCli.Result r = GuardianCli.executeInNewJvm(cluster.logDir().resolve("metrics-port-taken"),
                Duration.ofSeconds(120), "cpu", "start", "--cpu", "0", "--node", cluster.config().nodeName(),
                "--base-port", String.valueOf(TestPorts.freeBlock(16)), "--members", cpu0,
                "--log-dir", cluster.logDir().toString(), "--metrics-port", String.valueOf(taken));
        assertThat(r.exitCode()).as("exit code\n%s", r).isEqualTo(1);
        assertThat(r.err()).as("its error").contains("error 12").contains("metrics address 127.0.0.1:" + taken)
                .doesNotContain("\tat ");
        assertThat(r.out()).doesNotContain("is up at");
        assertThat(sample(scrape(0), "openpair_takeovers_total", "CPU_FAILED", 0)).as("CPU 0's endpoint")
                .isPresent();
        assertThat(cluster.memberCount()).as("members of the node").isEqualTo(cluster.isRunning(1) ? 3 : 2);
    }

    private static String scrape(int cpu) {
        int port = cluster.config().metricsPort(cpu).orElseThrow();
        try {
            URI uri = URI.create("http://127.0.0.1:" + port + "/metrics");
            HttpRequest get = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build();
            HttpResponse<String> r = HTTP.send(get, HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("GET /metrics of CPU %d", cpu).isEqualTo(200);
            return r.body();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("CPU " + cpu + "'s metrics at port " + port + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * The value of the sample {@code name} whose labels are exactly {@code cause} (if given), this
     * node and {@code cpu}, in Micrometer's order (alphabetical); empty if there is none.
     */
    private static Optional<Double> sample(String body, String name, String cause, int cpu) {
        String labels = (cause == null ? "" : "cause=\"" + cause + "\",") + "cpu=\"" + cpu + "\",node=\""
                + cluster.config().nodeName() + "\"";
        Matcher m = Pattern.compile("^" + Pattern.quote(name + "{" + labels + "}") + " (\\S+)$", Pattern.MULTILINE)
                .matcher(body);
        return m.find() ? Optional.of(Double.parseDouble(m.group(1))) : Optional.empty();
    }

    @Test
    void kill9OfThePrimarysCpu_theSurvivorsEndpointCountsOneCpuFailedTakeover() {
        for (int cpu = 0; cpu < 3; cpu++) {
            assertThat(sample(scrape(cpu), "openpair_takeovers_total", "CPU_FAILED", cpu)).as("CPU %d before", cpu)
                    .contains(0.0);
        }
        ProcessHandle primary = guardian.processSpawn(SpawnRequest.of(Program.hosted(COUNTER_SERVER))
                .name(CTR.toString()).cpu(1).args("2", "20").build());
        TestCluster.awaitCondition("$CTR to have a backup on CPU 2", BOUND, () -> {
            ProcessHandle b = guardian.processGetPairInfo(CTR).backup();
            return b != null && b.cpu() == 2;
        });
        ProcessHandle backup = guardian.processGetPairInfo(CTR).backup();
        TestCluster.awaitCondition("CPU 1 to count checkpoints acknowledged by the backup", BOUND,
                () -> sample(scrape(1), "openpair_checkpoint_seconds_count", null, 1).orElse(0.0) >= 5);

        cluster.kill9(1);

        TestCluster.awaitCondition("CPU 2's endpoint to show the takeover", BOUND,
                () -> sample(scrape(2), "openpair_takeovers_total", "CPU_FAILED", 2).orElse(0.0) > 0);
        PairInfo after = guardian.processGetPairInfo(CTR);
        assertThat(after.primary()).as("$CTR's primary after the kill of CPU 1").isEqualTo(backup);
        String survivor = scrape(2);
        assertThat(sample(survivor, "openpair_takeovers_total", "CPU_FAILED", 2)).contains(1.0);
        assertThat(sample(survivor, "openpair_takeovers_total", "PRIMARY_ABENDED", 2)).contains(0.0);
        assertThat(sample(survivor, "openpair_takeover_seconds_count", null, 2)).contains(1.0);
        assertThat(sample(scrape(0), "openpair_takeovers_total", "CPU_FAILED", 0)).as("CPU 0 promoted nothing")
                .contains(0.0);
        assertThatThrownBy(() -> scrape(1)).as("the killed CPU's endpoint")
                .isInstanceOf(java.io.UncheckedIOException.class);
        assertThat(primary.cpu()).isEqualTo(1);
    }
}
