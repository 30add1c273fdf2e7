package org.openpair.emulator.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.config.LoopbackPorts;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.emulator.messages.MessagePrograms;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.process.TestPrograms;
import org.openpair.guardian.DeathPolicy;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.TakeoverCause;

/**
 * Each CPU's metrics endpoint, scraped over HTTP as Prometheus would: real CPUs in this JVM, a
 * real pair, real requests, a CPU crash. Values are read from the text the endpoint serves; no
 * duration is asserted, only that a timer counted what happened.
 */
class MetricsEndpointTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ProcessName SRV = ProcessName.of("$SRV");

    private EmbeddedNode node;

    @AfterEach
    void close() {
        if (node != null) {
            node.close();
        }
    }

    private static NodeConfig config(int cpus) {
        return TestNodes.config(cpus).metricsPort(LoopbackPorts.block(NodeConfig.MAX_CPUS)).build();
    }

    private int port(int cpu) {
        return node.config().metricsPort(cpu).orElseThrow();
    }

    private Map<String, String> tags(int cpu, String... more) {
        Map<String, String> t = new HashMap<>(Map.of("node", node.config().nodeName(), "cpu", Integer.toString(cpu)));
        for (int i = 0; i < more.length; i += 2) {
            t.put(more[i], more[i + 1]);
        }
        return t;
    }

    /** The value of sample {@code name} with this CPU's tags and {@code more} in a fresh scrape of it. */
    private Optional<Double> sample(int cpu, String name, String... more) {
        return Scrape.value(Scrape.metrics(port(cpu)), name, tags(cpu, more));
    }

    private double valueOf(int cpu, String name, String... more) {
        return sample(cpu, name, more).orElseThrow(() -> new AssertionError("no " + name + tags(cpu, more)
                + " in the metrics of CPU " + cpu + ":\n" + Scrape.metrics(port(cpu))));
    }

    private void awaitValue(int cpu, double expected, String name, String... more) {
        TestNodes.await(name + tags(cpu, more) + " = " + expected + " at CPU " + cpu, WAIT,
                () -> sample(cpu, name, more).orElse(-1.0) == expected);
    }

    @Test
    void spawnsACheckpointedRequestAndATakeover_areCountedWithTheirTags_onTheCpusWhereTheyHappened() {
        node = EmbeddedNode.start(config(3), 3);
        Guardian g = node.cpu(2).guardian();
        for (TakeoverCause cause : TakeoverCause.values()) {
            assertThat(valueOf(1, "openpair_takeovers_total", "cause", cause.name()))
                    .as("before any takeover: %s", cause).isZero();
        }
        assertThat(valueOf(0, "openpair_processes", "state", "primary", "kind", "hosted")).isZero();

        // The counter server, primary on CPU 0, its backup on CPU 1.
        ProcessHandle primary = g.processSpawn(SpawnRequest.of(Program.hosted(MessagePrograms.Server.class))
                .name(SRV.toString()).cpu(0).args("1", "4").build());
        TestNodes.await("a ready backup of $SRV", WAIT, () -> {
            var e = new NodeTables(node.cpu(0).engine()).names().get(SRV.toString());
            return e != null && e.backup() != null && e.ready();
        });
        ProcessHandle idle = g.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class))
                .cpu(0).build());
        awaitValue(0, 1, "openpair_processes", "state", "primary", "kind", "hosted");
        awaitValue(0, 1, "openpair_processes", "state", "single", "kind", "hosted");
        awaitValue(1, 1, "openpair_processes", "state", "backup", "kind", "hosted");
        assertThat(valueOf(0, "openpair_processes", "state", "backup", "kind", "hosted")).isZero();
        assertThat(valueOf(0, "openpair_processes", "state", "primary", "kind", "os")).isZero();

        // Three requests, each reply checkpointed to the backup before it leaves.
        try (ProcessFile f = g.fileOpen(SRV, 1)) {
            for (int i = 1; i <= 3; i++) {
                byte[] reply = f.writeRead("inc".getBytes(StandardCharsets.UTF_8), WAIT);
                assertThat(ByteBuffer.wrap(reply).getLong()).isEqualTo(i);
            }
        }
        assertThat(valueOf(0, "openpair_requests_total")).isEqualTo(3);
        assertThat(valueOf(0, "openpair_writeread_seconds_count")).isEqualTo(3);
        assertThat(valueOf(0, "openpair_writeread_seconds_sum")).isPositive();
        assertThat(valueOf(0, "openpair_checkpoint_seconds_count")).isEqualTo(3);
        assertThat(valueOf(1, "openpair_requests_total")).as("the backup's CPU served none").isZero();
        assertThat(valueOf(1, "openpair_checkpoint_seconds_count")).isZero();

        // A semaphore acquired by a process of CPU 0 counts at CPU 0.
        g.semaphoreCreate("metrics-sem", 1, DeathPolicy.RELEASE);
        node.cpu(0).guardianAs(idle).semaphore("metrics-sem").acquire(1);
        assertThat(valueOf(0, "openpair_semaphore_wait_seconds_count")).isEqualTo(1);
        assertThat(valueOf(2, "openpair_semaphore_wait_seconds_count")).isZero();

        // CPU 0 vanishes: the backup on CPU 1 takes over, counted there with the cause and timed.
        TestNodes.await("the node's partitions safe", WAIT,
                () -> node.cpu(1).engine().hazelcast().getPartitionService().isClusterSafe());
        node.cpu(0).crash();
        awaitValue(1, 1, "openpair_takeovers_total", "cause", "CPU_FAILED");
        assertThat(valueOf(1, "openpair_takeover_seconds_count")).isEqualTo(1);
        for (TakeoverCause cause : TakeoverCause.values()) {
            if (cause != TakeoverCause.CPU_FAILED) {
                assertThat(valueOf(1, "openpair_takeovers_total", "cause", cause.name())).as("%s", cause).isZero();
            }
        }
        assertThat(valueOf(2, "openpair_takeovers_total", "cause", "CPU_FAILED")).as("CPU 2 promoted nothing").isZero();
        awaitValue(1, 1, "openpair_processes", "state", "primary", "kind", "hosted");
        assertThat(node.config().metricsPort(0)).isPresent();
        assertThatThrownBy(() -> Scrape.get(port(0), "/metrics")).as("the crashed CPU's endpoint is gone with it")
                .isInstanceOf(java.io.UncheckedIOException.class);
        assertThat(primary.cpu()).isZero();
    }

    @Test
    void anythingButGetMetrics_is404_andTheEndpointServesOnAfterwards() {
        node = EmbeddedNode.start(config(1), 1);
        int port = port(0);
        assertThat(Scrape.get(port, "/").statusCode()).isEqualTo(404);
        assertThat(Scrape.get(port, "/metricsx").statusCode()).isEqualTo(404);
        assertThat(Scrape.get(port, "/metrics/extra").statusCode()).isEqualTo(404);
        HttpResponse<String> post = Scrape.send(HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port
                + "/metrics")).POST(HttpRequest.BodyPublishers.ofString("x")), port);
        assertThat(post.statusCode()).isEqualTo(404);
        assertThat(post.body()).doesNotContain("openpair_");

        HttpResponse<String> ok = Scrape.get(port, "/metrics");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.headers().firstValue("Content-Type")).contains(MetricsEndpoint.CONTENT_TYPE);
        assertThat(Scrape.value(ok.body(), "openpair_requests_total", tags(0))).contains(0.0);
        assertThat(Scrape.get(port, "/metrics?name[]=x").statusCode()).as("a query does not change the path")
                .isEqualTo(200);
    }

    @Test
    void aMetricsPortInUse_refusesTheCpuWithError12_andHarmsNeitherTheNodeNorThePortsHolder() throws IOException {
        NodeConfig config = config(2);
        node = EmbeddedNode.start(config, 1);
        int taken = config.metricsPort(1).orElseThrow();
        try (ServerSocket holder = new ServerSocket()) {
            holder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), taken));
            assertThatThrownBy(() -> node.startCpu(1))
                    .isInstanceOfSatisfying(GuardianException.class, e -> assertThat(e.error()).isEqualTo(12))
                    .hasMessageContaining("CPU 1").hasMessageContaining("metrics").hasMessageContaining(":" + taken);
            // The port's holder still has it, and still accepts.
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), taken)) {
                assertThat(s.isConnected()).isTrue();
            }
            // CPU 1 never joined: the node has CPU 0 alone, and CPU 0 serves on.
            assertThat(new NodeTables(node.cpu(0).engine()).cpus().get(1)).isNull();
            assertThat(node.cpu(0).engine().membership().cpuMembers()).hasSize(1);
            assertThat(Scrape.get(port(0), "/metrics").statusCode()).isEqualTo(200);
        }
        // Nothing of the refused start was left behind: CPU 1 starts once its port is free.
        node.startCpu(1);
        assertThat(Scrape.value(Scrape.metrics(taken), "openpair_requests_total", tags(1))).contains(0.0);
    }

    @Test
    void aBadMetricsPort_isRefusedWithError2_naming_it() {
        for (int bad : new int[] {-1, 80, 1023, 65535 - NodeConfig.MAX_CPUS + 1}) {
            assertThatThrownBy(() -> NodeConfig.builder().metricsPort(bad))
                    .isInstanceOfSatisfying(GuardianException.class, e -> assertThat(e.error()).isEqualTo(2))
                    .hasMessageContaining("metrics port").hasMessageContaining(Integer.toString(bad));
        }
        NodeConfig off = NodeConfig.builder().metricsPort(9100).metricsPort(0).build();
        assertThat(off.metricsPort(0)).as("0: none").isEmpty();
        NodeConfig on = NodeConfig.builder().metricsPort(9100).build();
        assertThat(on.metricsPort(3)).hasValue(9103);
        assertThat(on.toBuilder().build().metricsPort(0)).hasValue(9100);
        assertThat(NodeConfig.builder().build().metricsPort(0)).as("the default: none").isEmpty();
    }
}
