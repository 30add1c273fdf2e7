package org.openpair.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

import org.openpair.emulator.config.NodeConfig;

/** Settings of a test node; every one has a default. */
public final class TestClusterBuilder {
    private int cpus = 2;
    private Integer heartbeatTimeoutSeconds;
    private Integer leaseMillis;
    private Path logDir;
    private final List<String> jvmFlags = new ArrayList<>();
    private boolean metrics;
    /**
     * Keyed by default, so that every IT takes the keyed path a deployment should run;
     * -Dopenpair.test.nodeKey=false runs them all without a key.
     */
    private boolean keyed = !"false".equalsIgnoreCase(System.getProperty("openpair.test.nodeKey"));

    TestClusterBuilder() {
    }

    /** How many CPU JVMs to start, 1-16 (default 2). */
    public TestClusterBuilder cpus(int count) {
        if (count < 1 || count > NodeConfig.MAX_CPUS) {
            throw new IllegalArgumentException("CPU JVM count must be 1-16: " + count);
        }
        this.cpus = count;
        return this;
    }

    /**
     * Silence after which a frozen CPU is declared dead, in seconds, more than 1 (default:
     * the emulator's, 5). A killed CPU is noticed in well under a second regardless.
     */
    public TestClusterBuilder heartbeatTimeoutSeconds(int seconds) {
        if (seconds <= 1) {
            throw new IllegalArgumentException("heartbeat timeout must exceed the 1 s interval: " + seconds);
        }
        this.heartbeatTimeoutSeconds = seconds;
        return this;
    }

    /**
     * The CPUs' lease in ms, 0 for none (default: the emulator's, none): with none, a frozen CPU
     * is declared dead only by the heartbeat.
     */
    public TestClusterBuilder leaseMillis(int millis) {
        this.leaseMillis = millis;
        return this;
    }

    /**
     * Where the CPU JVMs' output and the process logs go (default: {@code target/openpair-it/NODE}
     * under the module when run by Maven, else a new temporary directory).
     */
    public TestClusterBuilder logDir(Path dir) {
        this.logDir = dir;
        return this;
    }

    /**
     * Adds a flag to every CPU JVM's command line, such as {@code -Dhazelcast.PROPERTY=VALUE}
     * to change an engine setting that the node's configuration does not name.
     */
    public TestClusterBuilder jvmFlag(String flag) {
        if (flag == null || !flag.startsWith("-")) {
            throw new IllegalArgumentException("a JVM flag starts with '-': " + flag);
        }
        jvmFlags.add(flag);
        return this;
    }

    /** Each CPU serves its metrics, CPU n at {@code config().metricsPort(n)}: ports of a free block of their own. */
    public TestClusterBuilder metrics() {
        this.metrics = true;
        return this;
    }

    /**
     * Whether the node gets a random node key (default: yes, unless
     * {@code -Dopenpair.test.nodeKey=false}): its CPU JVMs and {@link TestCluster#cli()} get
     * {@code --key-file} of a 0600 file in the log directory, the operator's client proves it on
     * its links and seals its calls.
     */
    public TestClusterBuilder nodeKey(boolean withKey) {
        this.keyed = withKey;
        return this;
    }

    /** Starts the node; on any failure ends what it started and rethrows. */
    public TestCluster start() {
        String node = "T" + Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36 * 36), 36)
                .toUpperCase(Locale.ROOT);
        Path dir = logDir != null ? logDir : NodeJvms.defaultLogDir(node, "openpair-it");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create log directory " + dir + ": " + e, e);
        }
        Path runDir;
        try {
            // The CPUs' admin sockets: the test's own (never the user's), and short, for the 107-byte socket path limit.
            runDir = Files.createTempDirectory("openpair-run-");
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a run directory: " + e, e);
        }
        NodeConfig.Builder b = NodeConfig.builder().nodeName(node).basePort(TestPorts.freeBlock(NodeConfig.MAX_CPUS))
                .cpus(cpus).logDir(dir).runDir(runDir);
        b.heartbeat(1, heartbeatTimeoutSeconds != null ? heartbeatTimeoutSeconds : 5);
        if (leaseMillis != null) {
            b.lease(java.time.Duration.ofMillis(leaseMillis));
        }
        if (metrics) {
            b.metricsPort(TestPorts.freeBlock(NodeConfig.MAX_CPUS));
        }
        if (keyed) {
            b.nodeKey(org.openpair.emulator.security.NodeKey.random());
        }
        TestCluster cluster = new TestCluster(b.build(), cpus, heartbeatTimeoutSeconds, List.copyOf(jvmFlags));
        try {
            cluster.startAll();
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }
}
