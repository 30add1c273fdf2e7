package org.openpair.bench;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;

import org.openpair.emulator.cluster.Engine;
import org.openpair.emulator.cpu.Cpu;
import org.openpair.emulator.cluster.EngineMembership;
import org.openpair.emulator.launch.CpuJvm;
import org.openpair.emulator.config.LoopbackPorts;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * The node of the pair benchmarks: two CPUs in two JVMs on loopback, so that every checkpoint
 * and every takeover crosses JVMs. CPU 0 runs in this JVM (the benchmark's driver is its
 * member: it calls the Guardian procedures, times Hazelcast baselines and listens to
 * membership); CPU 1 is a child JVM ({@link CpuJvm}) that can be killed with SIGKILL, frozen
 * with SIGSTOP and started again under the same number. It is started the way an operator starts
 * one ({@code guardian cpu start --cpu 1 --cpus 2 --node NAME --base-port B --log-dir D
 * --heartbeat-timeout S}) with this JVM's flags and class path; its stdout and stderr go to
 * {@code cpu1.out} in the temporary directory.
 *
 * <p>The node has a name of its own ({@code \PBxxxx}), a random block of free loopback ports,
 * and its logs (the CPUs' and their processes') in a temporary directory that {@link #close()}
 * deletes. It is ready once CPU 1 holds its number and partition migration has settled, so no
 * figure includes a migration. {@link #close()} (or a shutdown hook, if the run is
 * interrupted) kills the child JVM and stops CPU 0.
 *
 * <p>Used by {@link CheckpointBenchmark}, {@link TakeoverBenchmark} and {@link WriteReadBenchmark};
 * run with {@code ./guardian bench checkpoint}, {@code takeover} or {@code writeread}.
 */
final class PairBenchNode implements AutoCloseable {
    static final int LOCAL_CPU = 0;
    static final int CHILD_CPU = 1;
    static final int CPUS = 2;
    private static final int START_ATTEMPTS = 3;
    private static final Duration CHILD_START_LIMIT = Duration.ofSeconds(90);
    private static final Duration SETTLE_LIMIT = Duration.ofSeconds(60);
    private static final Duration KILL_LIMIT = Duration.ofSeconds(30);
    /** The line {@code guardian cpu start} prints once the CPU holds its number. */
    private static final String UP_MARKER = " is up at ";

    private final NodeConfig config;
    private final Path tempDir;
    private final Cpu local;
    private final PrintWriter progress;
    /** Kills CPU 1's JVM, stops CPU 0 and deletes the logs, also if the run is interrupted (Ctrl-C). */
    private final BenchCleanup cleanup;
    private volatile CpuJvm child;
    private int childStarts;

    private PairBenchNode(NodeConfig config, Path tempDir, Cpu local, PrintWriter progress) {
        this.config = config;
        this.tempDir = tempDir;
        this.local = local;
        this.progress = progress;
        this.cleanup = new BenchCleanup("pair-bench-node-cleanup", this::stopAndDelete);
    }

    /**
     * Starts CPU 0 here and CPU 1 as a child JVM, both declaring a hung CPU dead after
     * {@code heartbeatTimeoutSeconds}, and waits until the node has settled.
     */
    static PairBenchNode start(PrintWriter progress, int heartbeatTimeoutSeconds) {
        return start(progress, heartbeatTimeoutSeconds, false);
    }

    /** As {@link #start(PrintWriter, int)}; with {@code metrics}, each CPU serves and counts its metrics. */
    static PairBenchNode start(PrintWriter progress, int heartbeatTimeoutSeconds, boolean metrics) {
        return start(progress, heartbeatTimeoutSeconds, metrics, java.time.Duration.ZERO);
    }

    /**
     * As {@link #start(PrintWriter, int, boolean)}, both CPUs with a lease of {@code lease} (zero:
     * none, the node's default): the takeover bench times a hung CPU taken over on it.
     */
    static PairBenchNode start(PrintWriter progress, int heartbeatTimeoutSeconds, boolean metrics,
                               java.time.Duration lease) {
        Path tempDir = BenchLogDir.create("openpair-pair-bench-");
        PairBenchNode node = null;
        try {
            GuardianException last = null;
            for (int attempt = 1; attempt <= START_ATTEMPTS && node == null; attempt++) {
                int base = LoopbackPorts.block(NodeConfig.MAX_CPUS);
                String name = "PB" + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36 * 36), 36)
                        .toUpperCase(Locale.ROOT);
                NodeConfig config = NodeConfig.builder().nodeName(name).basePort(base).cpus(CPUS)
                        .heartbeat(1, heartbeatTimeoutSeconds).lease(lease).logDir(tempDir.resolve("logs"))
                        .metricsPort(metrics ? LoopbackPorts.block(NodeConfig.MAX_CPUS) : 0).build();
                say(progress, "starting node \\%s on 127.0.0.1:%d-%d: CPU %d in this JVM, CPU %d a child JVM; "
                        + "heartbeat timeout %d s; %s", name, base, base + CPUS - 1, LOCAL_CPU, CHILD_CPU,
                        heartbeatTimeoutSeconds, config.metricsPort(0).isEmpty() ? "metrics off"
                                : "metrics at 127.0.0.1:" + config.metricsPort(0).getAsInt() + "-"
                                + config.metricsPort(CPUS - 1).getAsInt());
                try {
                    node = new PairBenchNode(config, tempDir, Cpu.start(config, LOCAL_CPU), progress);
                } catch (GuardianException e) {
                    if (e.guardianError() != GuardianError.IN_USE) {
                        throw e;
                    }
                    last = e;
                }
            }
            if (node == null) {
                throw last;
            }
            node.startChild();
            return node;
        } catch (RuntimeException e) {
            if (node != null) {
                node.close();
            } else {
                BenchLogDir.delete(tempDir);
            }
            throw e;
        }
    }

    /** Starts CPU 1's JVM (again) and waits until the node has settled with it. */
    void startChild() {
        CpuJvm old = child;
        if (old != null && old.isAlive()) {
            throw new IllegalStateException("CPU " + CHILD_CPU + " is still running (pid " + old.pid() + ")");
        }
        long t0 = System.nanoTime();
        childStarts++;
        child = startChildJvm();
        awaitSettled();
        if (childStarts == 1) {
            say(progress, "CPU %d is up in JVM pid %d, node settled in %.1f s", CHILD_CPU, child.pid(),
                    (System.nanoTime() - t0) / 1e9);
        }
    }

    /**
     * Starts CPU 1's JVM and waits until it prints that it is up.
     *
     * @throws GuardianException 40 if it is not up within {@link #CHILD_START_LIMIT}; 66 if it exits first
     */
    private CpuJvm startChildJvm() {
        List<String> args = new java.util.ArrayList<>(List.of("cpu", "start", "--cpu", String.valueOf(CHILD_CPU),
                "--cpus", String.valueOf(config.cpuAddresses().size()),
                "--node", config.nodeName(),
                "--base-port", String.valueOf(config.basePort()),
                "--log-dir", config.logDir().toString(),
                "--heartbeat-timeout", String.valueOf(config.heartbeatTimeoutSeconds()),
                "--lease-millis", String.valueOf(config.lease().toMillis())));
        config.metricsPort(0).ifPresent(port -> args.addAll(List.of("--metrics-port", String.valueOf(port))));
        args.addAll(org.openpair.emulator.launch.KeyFileArgs.of(config, tempDir));
        CpuJvm jvm = CpuJvm.start("CPU " + CHILD_CPU, CpuJvm.command(List.of(), CpuJvm.inheritedFlags(), args),
                tempDir.resolve("cpu" + CHILD_CPU + ".out"));
        try {
            jvm.awaitOutput(UP_MARKER, CHILD_START_LIMIT);
        } catch (RuntimeException e) {
            jvm.kill9(KILL_LIMIT);
            throw e;
        }
        return jvm;
    }

    /**
     * Waits until this JVM's member sees both members, CPU 1 holds its number in the CPU table,
     * and every partition has its owner and backup where it will stay.
     */
    void awaitSettled() {
        long end = System.nanoTime() + SETTLE_LIMIT.toNanos();
        HazelcastInstance hz = hazelcast();
        NodeTables tables = new NodeTables(new Engine(hz));
        while (true) {
            Member m = childMember();
            if (m != null && hz.getCluster().getMembers().size() == CPUS && hz.getPartitionService().isClusterSafe()) {
                NodeTables.CpuRecord r = tables.cpus().get(CHILD_CPU);
                if (r != null && r.memberUuid().equals(m.getUuid().toString())) {
                    return;
                }
            }
            CpuJvm c = child;
            if (c != null && !c.isAlive()) {
                throw new GuardianException(GuardianError.DEVICE_DOWN, "the JVM of CPU " + CHILD_CPU
                        + " exited while the node settled\n" + c.tail());
            }
            if (System.nanoTime() - end > 0) {
                throw new GuardianException(GuardianError.TIMED_OUT, "the bench node did not settle within "
                        + SETTLE_LIMIT.toSeconds() + " s" + (c == null ? "" : "\n" + c.tail()));
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
    }

    NodeConfig config() {
        return config;
    }

    /** CPU 0, in this JVM. */
    Cpu local() {
        return local;
    }

    /** The operator's Guardian procedures, through CPU 0. */
    Guardian guardian() {
        return local.guardian();
    }

    /** CPU 0's member. */
    HazelcastInstance hazelcast() {
        return local.engine().hazelcast();
    }

    /** CPU 1's JVM as it runs now (after a kill, until {@link #startChild()}, a dead one). */
    CpuJvm child() {
        return child;
    }

    /** The member that is CPU 1, as CPU 0 sees the cluster now; {@code null} if it is not a member. */
    Member childMember() {
        for (Member m : hazelcast().getCluster().getMembers()) {
            if (String.valueOf(CHILD_CPU).equals(m.getAttribute(EngineMembership.CPU_ATTRIBUTE))) {
                return m;
            }
        }
        return null;
    }

    /** How many times CPU 1's JVM was started. */
    int childStarts() {
        return childStarts;
    }

    /** Kills CPU 1's JVM, stops CPU 0 and deletes the logs. */
    @Override
    public void close() {
        cleanup.close();
    }

    private void stopAndDelete() {
        try {
            CpuJvm c = child;
            if (c != null && c.isAlive() && !c.kill9(KILL_LIMIT)) {
                System.getLogger(PairBenchNode.class.getName()).log(System.Logger.Level.WARNING,
                        "the JVM of CPU " + CHILD_CPU + " (pid " + c.pid() + ") did not exit after SIGKILL");
            }
            // Alone now: nothing to hand over, so the quick way out.
            local.crash();
        } finally {
            BenchLogDir.delete(tempDir);
        }
    }

    private static void say(PrintWriter progress, String format, Object... args) {
        progress.println("bench: " + String.format(Locale.ROOT, format, args));
        progress.flush();
    }
}
