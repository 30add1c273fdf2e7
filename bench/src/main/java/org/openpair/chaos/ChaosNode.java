package org.openpair.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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

import org.openpair.emulator.cluster.Engine;
import org.openpair.emulator.messages.RequesterLinks;
import org.openpair.emulator.netns.NetnsLab;
import org.openpair.emulator.cluster.EngineConfigs;
import org.openpair.emulator.cpu.NodeEngineSettings;
import org.openpair.emulator.launch.CpuJvm;
import org.openpair.emulator.config.LoopbackPorts;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.config.NodeConfigFile;
import org.openpair.emulator.security.NodeKey;
import org.openpair.emulator.procedures.NodeGuardian;
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
 * <p>With a {@link NetnsLab}, CPU {@code i} runs in network namespace {@code i} at its own
 * address, reading one YAML file that maps every CPU to its host, and the run reaches the node
 * over the lab's bridge: {@link #cut} and {@link #heal} then partition a CPU for real (its peers
 * hear silence, not a closed connection). Without one, every CPU is on 127.0.0.1 and there is no
 * partition to make.
 *
 * <p>"Whole" means every CPU's JVM runs, the node lists every CPU as up, and a member reports no
 * partition migrating: the state each fault starts from.
 */
final class ChaosNode implements AutoCloseable {
    static final Duration START_BOUND = Duration.ofSeconds(90);
    static final Duration SETTLE_BOUND = Duration.ofSeconds(90);
    private static final Duration TERM_GRACE = Duration.ofSeconds(5);
    private static final Duration KILL_BOUND = Duration.ofSeconds(30);
    /** How long a CPU JVM may take to print its threads (a frozen one prints nothing). */
    private static final Duration DUMP_BOUND = Duration.ofSeconds(10);

    private final NodeConfig config;
    private final int cpus;
    private final NetnsLab lab;
    private final Path configFile;
    private final Map<Integer, CpuJvm> jvms = new TreeMap<>();
    private HazelcastInstance client;
    private RequesterLinks links;
    private Guardian guardian;

    private ChaosNode(NodeConfig config, int cpus, NetnsLab lab, Path configFile) {
        this.config = config;
        this.cpus = cpus;
        this.lab = lab;
        this.configFile = configFile;
    }

    private void boot() {
        launch(0).awaitOutput(upLine(0), START_BOUND);
        for (int cpu = 1; cpu < cpus; cpu++) {
            launch(cpu);
        }
        for (int cpu = 1; cpu < cpus; cpu++) {
            jvm(cpu).awaitOutput(upLine(cpu), START_BOUND);
        }
        ClientConfig c = EngineConfigs.client(NodeEngineSettings.of(config), 10_000);
        // A call stuck on a member that is cut off fails after a bound, not after the 120 s default.
        c.setProperty("hazelcast.client.invocation.timeout.seconds", "20");
        this.client = HazelcastClient.newHazelcastClient(c);
        NodeTables tables = new NodeTables(new Engine(client), config.nodeKey());
        this.links = new RequesterLinks(tables, config.nodeName(), config.nodeKey().orElse(null));
        this.guardian = new NodeGuardian(tables, config, null, null, links);
    }

    /**
     * Starts {@code cpus} CPU JVMs with a lease of {@code leaseMillis} (0: none) (in the namespaces of {@code lab}, which the node closes with
     * itself, or on loopback if it is null) and waits until the node is whole; on failure ends what
     * it started.
     */
    static ChaosNode start(int cpus, int heartbeatTimeoutSeconds, long leaseMillis, Path logDir, NetnsLab lab) {
        String name = "CH" + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36 * 36), 36)
                .toUpperCase(Locale.ROOT);
        ChaosNode node;
        // Keyed, as a node in service should be: the faults then hit the sealed records and the
        // proven links too, not a path no operator is meant to run.
        NodeKey key = NodeKey.random();
        if (lab == null) {
            NodeConfig config = NodeConfig.builder().nodeName(name).basePort(LoopbackPorts.block(NodeConfig.MAX_CPUS))
                    .cpus(cpus).heartbeat(1, heartbeatTimeoutSeconds).lease(java.time.Duration.ofMillis(leaseMillis))
                    .logDir(logDir).nodeKey(key).build();
            node = new ChaosNode(config, cpus, null, null);
        } else {
            Path file = logDir.resolve("node.yaml");
            try {
                Files.createDirectories(logDir);
                key.writeNew(logDir.resolve("node.key"));
                Files.writeString(file, yaml(lab, name, heartbeatTimeoutSeconds, leaseMillis, logDir), StandardCharsets.UTF_8);
            } catch (IOException e) {
                lab.close();
                throw new GuardianException(GuardianError.DEVICE_DOWN, "cannot write " + file + ": " + e, e);
            }
            node = new ChaosNode(NodeConfigFile.load(file).build(), cpus, lab, file);
        }
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

    /** Each CPU at its namespace's address, on the same port: the namespaces keep the ports apart. */
    private static String yaml(NetnsLab lab, String name, int heartbeatTimeoutSeconds, long leaseMillis, Path logDir) {
        StringBuilder y = new StringBuilder("node: ").append(name).append('\n').append("base-port: 5801\ncpus:\n");
        List<String> members = new ArrayList<>();
        for (int i = 0; i < lab.size(); i++) {
            String hostPort = lab.address(i) + ":5801";
            y.append("  ").append(i).append(": ").append(hostPort).append('\n');
            members.add(hostPort);
        }
        y.append("members: [").append(String.join(", ", members)).append("]\n");
        y.append("heartbeat: { interval-seconds: 1, timeout-seconds: ").append(heartbeatTimeoutSeconds).append(" }\n");
        y.append("lease-millis: ").append(leaseMillis).append('\n');
        y.append("log-dir: '").append(logDir.toAbsolutePath().toString().replace("'", "''")).append("'\n");
        y.append("key-file: node.key\n");
        return y.toString();
    }

    /** True if CPUs can be cut off: the node runs in network namespaces. */
    boolean canPartition() {
        return lab != null;
    }

    /** Cuts CPU {@code cpu}'s namespace off the bridge: the others hear nothing more from it. */
    void cut(int cpu) {
        lab.cut(cpu);
    }

    void heal(int cpu) {
        lab.heal(cpu);
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

    /**
     * Every running CPU JVM prints its threads to its output ({@code cpuN.out}), for a node that
     * did not come back whole, before the run kills a CPU of it: a merge that stalled for 90 s
     * (migrations to the merged CPU never finished) left nothing to read once the CPU was gone.
     *
     * @return for the fault's note: which CPUs printed a dump
     */
    String threadDumps() {
        List<Integer> dumped = new ArrayList<>();
        for (int cpu = 0; cpu < cpus; cpu++) {
            CpuJvm j = jvm(cpu);
            try {
                if (j.isAlive() && j.threadDump(DUMP_BOUND)) {
                    dumped.add(cpu);
                }
            } catch (GuardianException e) {
                // Gone meanwhile: nothing to print.
            }
        }
        return dumped.isEmpty() ? " (no thread dump printed)" : " (thread dumps of CPU(s) " + dumped + " in their output)";
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
        List<String> args = lab != null
                ? List.of("cpu", "start", "--cpu", String.valueOf(cpu), "--config", configFile.toString())
                : List.of("cpu", "start", "--cpu", String.valueOf(cpu), "--cpus", String.valueOf(cpus),
                "--node", config.nodeName(), "--base-port", String.valueOf(config.basePort()),
                "--log-dir", config.logDir().toString(),
                "--heartbeat-timeout", String.valueOf(config.heartbeatTimeoutSeconds()),
                "--lease-millis", String.valueOf(config.lease().toMillis()));
        args = new ArrayList<>(args);
        args.addAll(org.openpair.emulator.launch.KeyFileArgs.of(config, config.logDir()));
        List<String> flags = new ArrayList<>(CpuJvm.projectFlags());
        // Room for the ledgers' journals of a long paced run (they keep every transfer for the check).
        flags.add("-Xmx1g");
        flags.addAll(CpuJvm.diagnosticFlags(cpu, config.logDir()));
        CpuJvm jvm = CpuJvm.start("CPU " + cpu, CpuJvm.command(lab != null ? lab.execPrefix(cpu) : List.of(), flags, args),
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
        if (lab != null) {
            lab.close();
        }
    }
}
