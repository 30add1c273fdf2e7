package org.openpair.emulator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import org.openpair.emulator.cluster.EngineConfigs;
import org.openpair.emulator.launch.Logging;
import org.openpair.emulator.config.LoopbackPorts;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.cpu.NodeEngineSettings;

/**
 * Node configurations for tests: each test node gets a cluster name and a block of loopback
 * ports of its own, so tests never join one another or a node the user runs.
 */
public final class TestNodes {
    private static final AtomicInteger SEQ = new AtomicInteger();
    /**
     * Where the test nodes' logs go: under the module's build directory when the tests run from
     * the module (as Maven runs them), so that they are there to read after a failure and go
     * with {@code mvn clean} instead of piling up in the temporary directory.
     */
    private static final Path LOGS = Files.isDirectory(Path.of("target"))
            ? Path.of("target", "test-node-logs").toAbsolutePath()
            : Path.of(System.getProperty("java.io.tmpdir"), "openpair-test-node-logs");

    static {
        // Hazelcast warns loudly about the crashes these tests cause on purpose: only its errors.
        Logging.configure(System.Logger.Level.INFO, System.Logger.Level.ERROR);
    }

    private TestNodes() {
    }

    /** A loopback node with {@code cpus} CPUs configured, on free ports. */
    public static NodeConfig.Builder config(int cpus) {
        int base = LoopbackPorts.block(NodeConfig.MAX_CPUS);
        Path logs;
        try {
            logs = Files.createTempDirectory(Files.createDirectories(LOGS), "node-");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        String node = "T" + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36).toUpperCase()
                + SEQ.incrementAndGet() % 100;
        return NodeConfig.builder().nodeName(node).basePort(base).cpus(cpus).logDir(logs)
                .heartbeat(1, 5).stopGrace(Duration.ofSeconds(2));
    }

    /** Waits, polling, until {@code condition} holds; fails naming {@code what} after {@code bound}. */
    public static void await(String what, Duration bound, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + bound.toSeconds() + " s: " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** The engine configuration CPU {@code cpu} of {@code node} runs with, for tests that start members themselves. */
    public static com.hazelcast.config.Config memberConfig(NodeConfig node, int cpu) {
        String address = node.cpuAddresses().get(cpu);
        return EngineConfigs.member(NodeEngineSettings.of(node), cpu, NodeConfig.hostOf(address), NodeConfig.portOf(address),
                new java.util.concurrent.ConcurrentHashMap<>());
    }
}
