package org.openpair.bench;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;

import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.emulator.config.LoopbackPorts;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * A private node of two CPUs in this JVM for a benchmark: its own name ({@code \BENCHxx}),
 * a random block of free loopback ports, and process logs in a temporary directory that
 * {@link #close()} deletes with the node. It is ready once partition migration has settled,
 * so no figure includes a migration.
 *
 * <p>Used by {@link SpawnBenchmark}; run with {@code ./guardian bench spawn}.
 */
final class BenchNode implements AutoCloseable {
    static final int CPUS = 2;
    private static final int START_ATTEMPTS = 3;
    private static final Duration SETTLE_LIMIT = Duration.ofSeconds(60);

    private final EmbeddedNode node;
    /** Closes the node and deletes the logs, also if the run is interrupted (Ctrl-C). */
    private final BenchCleanup cleanup;

    private BenchNode(EmbeddedNode node, Path tempDir) {
        this.node = node;
        this.cleanup = new BenchCleanup("bench-node-cleanup", () -> {
            try {
                node.close();
            } finally {
                BenchLogDir.delete(tempDir);
            }
        });
    }

    /** Starts the node, retrying on another port block if one was taken meanwhile. */
    static BenchNode start(PrintWriter progress) {
        Path tempDir = BenchLogDir.create("openpair-bench-");
        try {
            EmbeddedNode node = startNode(tempDir, progress);
            BenchNode bench = new BenchNode(node, tempDir);
            try {
                bench.awaitSettled();
            } catch (RuntimeException e) {
                bench.close();
                throw e;
            }
            return bench;
        } catch (RuntimeException e) {
            BenchLogDir.delete(tempDir);
            throw e;
        }
    }

    private static EmbeddedNode startNode(Path tempDir, PrintWriter progress) {
        GuardianException last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            int base = LoopbackPorts.block(NodeConfig.MAX_CPUS);
            String name = "BENCH" + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36), 36)
                    .toUpperCase(Locale.ROOT);
            NodeConfig config = NodeConfig.builder().nodeName(name).basePort(base).cpus(CPUS)
                    .logDir(tempDir.resolve("logs")).build();
            progress.printf("bench: starting node \\%s, %d CPUs in this JVM on 127.0.0.1:%d-%d%n", name, CPUS, base,
                    base + CPUS - 1);
            progress.flush();
            try {
                return EmbeddedNode.start(config, CPUS);
            } catch (GuardianException e) {
                if (e.guardianError() != GuardianError.IN_USE) {
                    throw e;
                }
                last = e;
            }
        }
        throw last;
    }

    /** Waits until every partition has its owner and backup where it will stay. */
    private void awaitSettled() {
        long end = System.nanoTime() + SETTLE_LIMIT.toNanos();
        while (!(hazelcast(0).getPartitionService().isClusterSafe() && hazelcast(1).getPartitionService().isClusterSafe()
                && hazelcast(0).getCluster().getMembers().size() == CPUS)) {
            if (System.nanoTime() - end > 0) {
                throw new GuardianException(GuardianError.TIMED_OUT, "the bench node's partitions did not settle within "
                        + SETTLE_LIMIT.toSeconds() + " s");
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
    }

    EmbeddedNode node() {
        return node;
    }

    HazelcastInstance hazelcast(int cpu) {
        return node.cpu(cpu).engine().hazelcast();
    }

    /** The member that is CPU {@code cpu}. */
    Member member(int cpu) {
        return hazelcast(cpu).getCluster().getLocalMember();
    }

    /** Stops the CPUs (their processes end) and deletes the logs. */
    @Override
    public void close() {
        cleanup.close();
    }
}
