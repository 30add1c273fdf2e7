package org.openpair.emulator.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.core.HazelcastInstance;

import org.openpair.emulator.messages.RequesterLinks;
import org.openpair.emulator.node.ClusterConfigs;
import org.openpair.emulator.node.CpuJvm;
import org.openpair.emulator.node.LoopbackPorts;
import org.openpair.emulator.node.NodeConfig;
import org.openpair.emulator.node.NodeGuardian;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.CpuInfo;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * The chaos run's own node: every CPU a JVM of its own ({@code guardian cpu start}) on free
 * loopback ports under a private node name, so each can be killed with SIGKILL or frozen with
 * SIGSTOP for real; the run itself is a Hazelcast client, not a member, so its own pauses are
 * never a CPU's. CPU 0 starts first and alone (two members starting at once may each form a
 * cluster), the others together.
 *
 * <p>"Whole" means every CPU's JVM runs, the node lists every CPU as up, and a member reports no
 * partition migrating: the state each fault starts from.
 */
final class ChaosNode implements AutoCloseable {
    static final Duration START_BOUND = Duration.ofSeconds(90);
    static final Duration SETTLE_BOUND = Duration.ofSeconds(90);
    private static final Duration TERM_GRACE = Duration.ofSeconds(5);
    private static final Duration KILL_BOUND = Duration.ofSeconds(30);

    private final NodeConfig config;
    private final int cpus;
    private final Map<Integer, CpuJvm> jvms = new TreeMap<>();
    private HazelcastInstance client;
    private RequesterLinks links;
    private Guardian guardian;

    private ChaosNode(NodeConfig config, int cpus) {
        this.config = config;
        this.cpus = cpus;
    }

    private void boot() {
        launch(0).awaitOutput(upLine(0), START_BOUND);
        for (int cpu = 1; cpu < cpus; cpu++) {
            launch(cpu);
        }
        for (int cpu = 1; cpu < cpus; cpu++) {
            jvm(cpu).awaitOutput(upLine(cpu), START_BOUND);
        }
        ClientConfig c = ClusterConfigs.client(config, 10_000);
        // The client's default 60 s silence before it gives up on a member would outlast a frozen CPU's removal.
        c.setProperty("hazelcast.client.heartbeat.interval", "1000");
        c.setProperty("hazelcast.client.heartbeat.timeout", String.valueOf(config.heartbeatTimeoutSeconds() * 1000L));
        this.client = HazelcastClient.newHazelcastClient(c);
        NodeTables tables = new NodeTables(client);
        this.links = new RequesterLinks(tables, config.nodeName());
        this.guardian = new NodeGuardian(tables, config, null, null, links);
    }

    /** Starts {@code cpus} CPU JVMs and waits until the node is whole; on failure ends what it started. */
    static ChaosNode start(int cpus, int heartbeatTimeoutSeconds, Path logDir) {
        String name = "CH" + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36 * 36), 36)
                .toUpperCase(Locale.ROOT);
        NodeConfig config = NodeConfig.builder().nodeName(name).basePort(LoopbackPorts.block(NodeConfig.MAX_CPUS))
                .cpus(cpus).heartbeat(1, heartbeatTimeoutSeconds).logDir(logDir).build();
        ChaosNode node = new ChaosNode(config, cpus);
        try {
            node.boot();
            if (!node.awaitWhole(SETTLE_BOUND)) {
                throw new GuardianException(GuardianError.TIMED_OUT, "node \\" + name + " did not settle within "
                        + SETTLE_BOUND.toSeconds() + " s");
            }
            return node;
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
    }

    NodeConfig config() {
        return config;
    }

    int cpus() {
        return cpus;
    }

    Guardian guardian() {
        return guardian;
    }

    synchronized CpuJvm jvm(int cpu) {
        return jvms.get(cpu);
    }

    /** SIGKILL of CPU {@code cpu}'s JVM; true once the kernel reaped it. */
    boolean kill9(int cpu) {
        return jvm(cpu).kill9(KILL_BOUND);
    }

    void sigstop(int cpu) {
        jvm(cpu).sigstop();
    }

    void sigcont(int cpu) {
        jvm(cpu).sigcont();
    }

    /** Starts again every CPU whose JVM is gone, and waits (bounded) until the node is whole. */
    boolean restartDead() {
        List<Integer> started = new ArrayList<>();
        for (int cpu = 0; cpu < cpus; cpu++) {
            if (!jvm(cpu).isAlive()) {
                launch(cpu);
                started.add(cpu);
            }
        }
        for (int cpu : started) {
            try {
                jvm(cpu).awaitOutput(upLine(cpu), START_BOUND);
            } catch (GuardianException e) {
                return false;
            }
        }
        return awaitWhole(SETTLE_BOUND);
    }

    /** Every CPU's JVM runs, is listed as up, and the partitions are settled; false after {@code bound}. */
    boolean awaitWhole(Duration bound) {
        long end = System.nanoTime() + bound.toNanos();
        return Waits.until(bound, () -> upCpus().size() == cpus)
                && Waits.until(Duration.ofNanos(Math.max(0, end - System.nanoTime())), () -> ClusterSafety.ask(client));
    }

    /** The CPUs the node lists as up now. */
    Set<Integer> upCpus() {
        return guardian.cpus().stream().map(CpuInfo::cpu).collect(Collectors.toSet());
    }

    /** True while CPU {@code cpu}'s JVM runs (a frozen one runs). */
    boolean isAlive(int cpu) {
        return jvm(cpu).isAlive();
    }

    private synchronized CpuJvm launch(int cpu) {
        List<String> args = List.of("cpu", "start", "--cpu", String.valueOf(cpu), "--cpus", String.valueOf(cpus),
                "--node", config.nodeName(), "--base-port", String.valueOf(config.basePort()),
                "--log-dir", config.logDir().toString(),
                "--heartbeat-timeout", String.valueOf(config.heartbeatTimeoutSeconds()));
        List<String> flags = new ArrayList<>(CpuJvm.projectFlags());
        flags.add("-Xmx384m");
        CpuJvm jvm = CpuJvm.start("CPU " + cpu, CpuJvm.command(List.of(), flags, args),
                config.logDir().resolve("cpu" + cpu + ".out"));
        jvms.put(cpu, jvm);
        return jvm;
    }

    private String upLine(int cpu) {
        return "CPU " + cpu + " of \\" + config.nodeName() + " is up at ";
    }

    /** The tails of the CPU JVMs' output, for a failure. */
    synchronized String tails() {
        return jvms.values().stream().map(CpuJvm::tail).collect(Collectors.joining("\n"));
    }

    @Override
    public void close() {
        try {
            if (links != null) {
                links.close();
            }
        } catch (RuntimeException e) {
            // the node is going anyway
        }
        try {
            if (client != null) {
                client.shutdown();
            }
        } catch (RuntimeException e) {
            // a client whose node is gone may fail to shut down cleanly
        }
        List<CpuJvm> all;
        synchronized (this) {
            all = new ArrayList<>(jvms.values());
        }
        CpuJvm.stopAll(all, TERM_GRACE, KILL_BOUND);
    }
}
