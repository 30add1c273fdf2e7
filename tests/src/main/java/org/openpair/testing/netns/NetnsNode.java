package org.openpair.testing.netns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.client.config.RoutingMode;
import com.hazelcast.core.HazelcastInstance;

import org.openpair.emulator.cluster.Engine;
import org.openpair.emulator.cluster.EngineConfigs;
import org.openpair.emulator.cpu.NodeEngineSettings;
import org.openpair.emulator.launch.CpuJvm;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.config.NodeConfigFile;
import org.openpair.emulator.messages.RequesterLinks;
import org.openpair.emulator.netns.NetnsLab;
import org.openpair.emulator.procedures.NodeGuardian;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.CpuInfo;
import org.openpair.guardian.Guardian;
import org.openpair.testing.ClusterSafeProbe;
import org.openpair.testing.NodeJvms;
import org.openpair.testing.TestCluster;

/**
 * A node whose CPU {@code i} is a {@code guardian cpu start} JVM in namespace {@code i} of a
 * {@link NetnsLab}, at {@code lab.address(i)}, port {@code basePort + i}: a node spread over
 * "machines" between which the lab can cut the network for real.
 *
 * <p>The CPUs read their settings from one YAML file ({@link #configFile()}) that maps each CPU
 * to its own host ({@code cpus: {0: 10.231.X.1:5801, ...}}): the {@code --cpus N --bind ADDR}
 * flags would put every CPU on the one bind address. Heartbeat 1 s, timeout 5 s; the quorum is
 * the emulator's default (a majority). The JVM flags and class path are the harness's
 * ({@link TestCluster#guardianJvmCommand}), run through {@code ip netns exec}.
 *
 * <p>The test talks to the node through Hazelcast clients in the root namespace, over the lab's
 * bridge ({@link #newClient}); a client can be limited to some CPUs' addresses, and to one
 * connection, to see one side of a partition only. Each CPU JVM's output goes to
 * {@code cpuN.out} in the log directory, the processes' logs to {@code cpuN/} there.
 *
 * <p>{@link #close()} shuts the clients down, sends SIGTERM to every CPU JVM and SIGKILL to any
 * still there after 5 s; a shutdown hook kills them if the test JVM exits without closing, and
 * each JVM carries a parent-death signal ({@code setpriv --pdeathsig KILL}). The lab itself is
 * the caller's to close, after the node.
 */
public final class NetnsNode implements AutoCloseable {
    public static final Duration START_BOUND = Duration.ofSeconds(90);
    public static final Duration SETTLE_BOUND = Duration.ofSeconds(60);
    public static final Duration TERM_GRACE = Duration.ofSeconds(5);
    private static final Duration KILL_BOUND = Duration.ofSeconds(30);
    private static final long CLIENT_CONNECT_MILLIS = 10_000;
    private static final AtomicInteger CLIENT_IDS = new AtomicInteger();

    private final NetnsLab lab;
    private final NodeConfig config;
    private final Path configFile;
    private final int cpuCount;
    /** Whether the CPUs run as machines of their own ({@link #startMachines}). */
    private final boolean machines;
    private final NodeJvms jvms;
    private final List<HazelcastInstance> clients = new ArrayList<>();
    private boolean closed;

    private NetnsNode(NetnsLab lab, int cpuCount, NodeConfig config, Path configFile, boolean machines) {
        this.lab = lab;
        this.config = config;
        this.configFile = configFile;
        this.cpuCount = cpuCount;
        this.machines = machines;
        this.jvms = new NodeJvms(config.nodeName(), config.logDir(), cpu -> "CPU " + cpu + " in " + lab.namespace(cpu),
                cpu -> TestCluster.guardianJvmCommand(machines ? machinePrefix(lab, cpu, config) : lab.execPrefix(cpu),
                        List.of("cpu", "start", "--cpu", String.valueOf(cpu), "--config", configFile.toString())));
    }

    /**
     * {@code ip netns exec NAME env OPENPAIR_BIND=ADDR OPENPAIR_RUN_DIR=DIR}: what a machine's
     * {@code cpu.env} and the unit's run directory give its CPU.
     */
    private static List<String> machinePrefix(NetnsLab lab, int cpu, NodeConfig config) {
        List<String> prefix = new ArrayList<>(lab.execPrefix(cpu));
        prefix.addAll(List.of("/usr/bin/env", "OPENPAIR_BIND=" + lab.address(cpu),
                "OPENPAIR_RUN_DIR=" + machineRunDir(config, cpu)));
        return prefix;
    }

    private static Path machineRunDir(NodeConfig config, int cpu) {
        return config.logDir().resolve("m" + cpu).toAbsolutePath();
    }

    /**
     * Starts one CPU per namespace of {@code lab}: CPU 0 first (it forms the cluster), then the
     * others together; returns once every one has printed that it is up, a client sees them all
     * and the cluster is safe. On any failure ends what it started and rethrows.
     *
     * @param logDir where the CPU outputs, the process logs and the config file go; null for
     *               {@code target/openpair-it/NODE} under the module (or a temporary directory)
     */
    public static NetnsNode start(NetnsLab lab, int basePort, Path logDir) {
        return start(lab, lab.size(), basePort, logDir, false);
    }

    /**
     * Starts CPUs 0 to {@code cpus}-1 as machines of their own would run them under the systemd
     * unit: CPU {@code i} in namespace {@code i}, with {@code OPENPAIR_BIND} set to that
     * namespace's address (a machine's {@code cpu.env}) and a run directory of its own
     * ({@link #runDir}), since separate machines share no admin sockets. The namespaces from
     * {@code cpus} on carry no CPU: a machine from which to run the command. Otherwise as
     * {@link #start(NetnsLab, int, Path)}.
     */
    public static NetnsNode startMachines(NetnsLab lab, int cpus, int basePort, Path logDir) {
        if (cpus < 1 || cpus > lab.size()) {
            throw new IllegalArgumentException("CPUs must be 1-" + lab.size() + " (the lab's namespaces): " + cpus);
        }
        return start(lab, cpus, basePort, logDir, true);
    }

    private static NetnsNode start(NetnsLab lab, int cpus, int basePort, Path logDir, boolean machines) {
        String node = "P" + Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36), 36)
                .toUpperCase(Locale.ROOT);
        Path dir = logDir != null ? logDir : NodeJvms.defaultLogDir(node, "openpair-netns");
        Path file = dir.resolve("node.yaml");
        try {
            Files.createDirectories(dir);
            Files.writeString(file, yaml(lab, cpus, node, basePort, dir), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the node's config file " + file + ": " + e, e);
        }
        // The test reads the very file the CPUs read.
        NodeConfig config = NodeConfigFile.load(file).build();
        NetnsNode n = new NetnsNode(lab, cpus, config, file, machines);
        try {
            n.startAll();
        } catch (RuntimeException | Error e) {
            n.close();
            throw e;
        }
        return n;
    }

    private static String yaml(NetnsLab lab, int cpus, String node, int basePort, Path dir) {
        StringBuilder y = new StringBuilder();
        y.append("# CPU i runs in network namespace ").append(lab.namespace(0).replace("-n0", "-n<i>")).append('\n');
        y.append("node: ").append(node).append('\n');
        y.append("base-port: ").append(basePort).append('\n');
        y.append("cpus:\n");
        List<String> members = new ArrayList<>();
        for (int i = 0; i < cpus; i++) {
            String hp = lab.address(i) + ":" + (basePort + i);
            y.append("  ").append(i).append(": ").append(hp).append('\n');
            members.add(hp);
        }
        y.append("members: [").append(String.join(", ", members)).append("]\n");
        y.append("heartbeat: { interval-seconds: 1, timeout-seconds: 5 }\n");
        y.append("log-dir: '").append(dir.toAbsolutePath().toString().replace("'", "''")).append("'\n");
        return y.toString();
    }

    private void startAll() {
        jvms.startAll(cpuCount, START_BOUND, () -> { });
        HazelcastInstance client = newClient(false, allCpus());
        Guardian g = guardian(client);
        Set<Integer> all = java.util.stream.IntStream.of(allCpus()).boxed().collect(Collectors.toSet());
        TestCluster.awaitCondition("CPUs " + all + " of \\" + config.nodeName() + " to be listed as up", SETTLE_BOUND,
                () -> g.cpus().stream().map(CpuInfo::cpu).collect(Collectors.toSet()).equals(all), this::allTails);
        awaitClusterSafe(client);
    }

    /** What {@code guardian cpu start} prints once the CPU has joined and holds its number. */
    public String upLine(int cpu) {
        return jvms.upLine(cpu);
    }

    /** The node's settings, as read from {@link #configFile()}. */
    public NodeConfig config() {
        return config;
    }

    public Path configFile() {
        return configFile;
    }

    public Path logDir() {
        return config.logDir();
    }

    public NetnsLab lab() {
        return lab;
    }

    /**
     * The run directory of CPU {@code cpu}'s machine, where its admin socket is: only for a node
     * of {@link #startMachines}; the CPUs of {@link #start(NetnsLab, int, Path)} share the default.
     */
    public Path runDir(int cpu) {
        if (!machines || cpu < 0 || cpu >= cpuCount) {
            throw new IllegalArgumentException("CPU " + cpu + " has no machine of its own in " + this);
        }
        return machineRunDir(config, cpu);
    }

    /** The host:port CPU {@code cpu} listens on. */
    public String cpuAddress(int cpu) {
        return config.cpuAddresses().get(cpu);
    }

    /** CPU {@code cpu}'s JVM. */
    public CpuJvm jvm(int cpu) {
        return jvms.jvm(cpu);
    }

    /**
     * A new Hazelcast client in this (the root) namespace that knows only the addresses of the
     * given CPUs; with {@code singleMember} it keeps one connection (to one of them) and sends
     * every call through it, so it sees only the side of a partition those CPUs are on. Shut down
     * by {@link #close()} if not before.
     */
    public HazelcastInstance newClient(boolean singleMember, int... cpus) {
        List<String> addresses = new ArrayList<>();
        for (int cpu : cpus) {
            addresses.add(cpuAddress(cpu));
        }
        NodeConfig limited = config.toBuilder().members(addresses).build();
        ClientConfig c = EngineConfigs.client(NodeEngineSettings.of(limited), CLIENT_CONNECT_MILLIS);
        c.setInstanceName("netns-client-" + config.nodeName() + "-" + CLIENT_IDS.incrementAndGet());
        // A call stuck on a member cut off fails after a bound, not after the 120 s default.
        c.setProperty("hazelcast.client.invocation.timeout.seconds", "20");
        if (singleMember) {
            c.getNetworkConfig().getClusterRoutingConfig().setRoutingMode(RoutingMode.SINGLE_MEMBER);
        }
        HazelcastInstance client = HazelcastClient.newHazelcastClient(c);
        synchronized (this) {
            if (closed) {
                client.shutdown();
                throw new IllegalStateException("node \\" + config.nodeName() + " is closed");
            }
            clients.add(client);
        }
        return client;
    }

    /** The operator's Guardian procedures through {@code client}. */
    public Guardian guardian(HazelcastInstance client) {
        NodeTables tables = new NodeTables(new Engine(client), config.nodeKey());
        return new NodeGuardian(tables, config, null, null, new RequesterLinks(tables, config.nodeName(), config.nodeKey().orElse(null)));
    }

    /** Waits until a member reached through {@code client} reports the cluster safe. */
    public void awaitClusterSafe(HazelcastInstance client) {
        TestCluster.awaitCondition("the partitions of \\" + config.nodeName() + " to be safe", SETTLE_BOUND,
                () -> ClusterSafeProbe.ask(client), this::allTails);
    }

    /** The tails of every CPU JVM's output, for failure messages. */
    public String allTails() {
        return jvms.tails();
    }

    private int[] allCpus() {
        int[] all = new int[cpuCount];
        for (int i = 0; i < cpuCount; i++) {
            all[i] = i;
        }
        return all;
    }

    /**
     * Shuts the clients down, SIGTERM to every CPU JVM, SIGKILL to those still running after
     * {@link #TERM_GRACE}; waits until all are reaped. Idempotent.
     */
    @Override
    public void close() {
        List<HazelcastInstance> cs;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            cs = new ArrayList<>(clients);
            clients.clear();
        }
        for (HazelcastInstance c : cs) {
            try {
                c.shutdown();
            } catch (RuntimeException e) {
                // A client of a node in pieces may not shut down cleanly: nothing to keep.
            }
        }
        jvms.stop(TERM_GRACE, KILL_BOUND);
    }

    @Override
    public String toString() {
        return "NetnsNode \\" + config.nodeName() + " (" + cpuCount + " CPU JVMs in " + lab + ", logs " + logDir() + ")";
    }
}
