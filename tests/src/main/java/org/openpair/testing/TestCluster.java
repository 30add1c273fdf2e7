package org.openpair.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.hazelcast.core.HazelcastInstance;

import org.openpair.emulator.cluster.EngineMembership;
import org.openpair.emulator.launch.CpuJvm;
import org.openpair.emulator.launch.KeyFileArgs;
import org.openpair.emulator.launch.Logging;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.guardian.CpuInfo;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.ProcessName;

/**
 * A node whose CPUs are real, separate JVMs on loopback, for tests that must kill a CPU for real
 * ({@code kill -9}), freeze it ({@code SIGSTOP}) or restart it: the counterpart of curator-test's
 * {@code TestingCluster}.
 *
 * <p>{@link #start(int)} picks a node name and a block of 16 free loopback ports of its own,
 * starts CPU 0 as a {@code guardian cpu start} JVM, then (once it has formed the cluster) the
 * other CPUs, and returns once each has printed that it is up, the operator's client sees all
 * of them, and no partition is migrating any more. Each JVM's stdout
 * and stderr go to {@code cpuN.out} in the {@link #logDir() log directory}; a failure to start
 * shows its last lines. The processes the CPUs run log to {@code cpuN/} there.
 *
 * <p>{@link #guardian()} is the operator's view of the node through a Hazelcast client (not a
 * member, so it never takes part in partition ownership or membership events). Waits are
 * conditions with generous bounds ({@link #awaitCondition}), never sleeps.
 *
 * <p>{@link #close()} ends every CPU JVM: SIGTERM (an orderly shutdown), then SIGKILL for any
 * still there after 5 s. A JVM shutdown hook does the same with SIGKILL if the test JVM exits
 * without closing, and each CPU JVM carries a parent-death signal, so not even a killed test JVM
 * leaves CPUs behind.
 *
 * {@snippet :
 * try (TestCluster cluster = TestCluster.start(2)) {
 *     Guardian g = cluster.guardian();
 *     ProcessHandle h = g.processSpawn(SpawnRequest.of(Program.executable("sleep"))
 *             .args("600").name("$SLP").cpu(1).build());
 *     cluster.kill9(1);
 *     TestCluster.awaitCondition("$SLP retired", Duration.ofSeconds(30),
 *             () -> g.termination(h).isPresent());
 * }
 * }
 *
 * <p>Not thread-safe for concurrent control calls (kill, restart, close) from several threads;
 * {@link #guardian()} may be used from any thread.
 */
public final class TestCluster implements AutoCloseable {
    /** How long a CPU JVM may take to print that it is up. */
    public static final Duration START_BOUND = Duration.ofSeconds(60);
    /** How long the harness waits for the node to settle (CPUs listed, cluster safe). */
    public static final Duration SETTLE_BOUND = Duration.ofSeconds(60);
    /** How long a CPU JVM has for its orderly shutdown in {@link #close()} before SIGKILL. */
    public static final Duration TERM_GRACE = Duration.ofSeconds(5);
    private static final Duration KILL_BOUND = Duration.ofSeconds(30);
    /**
     * The flags of every CPU JVM: the project's, and a small heap, since a test may start many
     * ({@code -Dopenpair.test.cpuHeap=2g} for an on-demand run that needs more, such as a large state).
     */
    private static final List<String> CPU_JVM_FLAGS = Stream.concat(CpuJvm.projectFlags().stream(),
            Stream.of("-Xmx" + System.getProperty("openpair.test.cpuHeap", "256m"))).toList();

    private final NodeConfig config;
    private final int cpuCount;
    private final Integer heartbeatTimeoutSeconds;
    private final NodeJvms jvms;
    private final OperatorClient operator;

    static {
        // OpenPair's messages at INFO, Hazelcast's (the client's join chatter) from WARNING up.
        Logging.configure(System.Logger.Level.INFO, false);
    }

    TestCluster(NodeConfig config, int cpuCount, Integer heartbeatTimeoutSeconds, List<String> extraJvmFlags) {
        this.config = config;
        this.cpuCount = cpuCount;
        this.heartbeatTimeoutSeconds = heartbeatTimeoutSeconds;
        this.operator = new OperatorClient(config);
        this.jvms = new NodeJvms(config.nodeName(), config.logDir(), cpu -> "CPU " + cpu,
                cpu -> CpuJvm.command(List.of(), Stream.of(CPU_JVM_FLAGS, extraJvmFlags,
                        CpuJvm.diagnosticFlags(cpu, config.logDir())).flatMap(List::stream).toList(), cpuStartArgs(cpu)));
    }

    /** Starts a node of {@code cpuJvms} CPUs (0 .. cpuJvms-1), each in a JVM of its own. */
    public static TestCluster start(int cpuJvms) {
        return builder().cpus(cpuJvms).start();
    }

    public static TestClusterBuilder builder() {
        return new TestClusterBuilder();
    }

    /**
     * The CPU JVMs in the order a node forms ({@link NodeJvms#startAll}), the operator's client
     * connecting meanwhile; then waits until the node lists them all and is safe.
     */
    void startAll() {
        jvms.startAll(cpuCount, START_BOUND, this::client);
        awaitCpusUp(allCpus());
        awaitClusterSafe();
    }

    /**
     * The arguments of {@code guardian} that start CPU {@code cpu} of this node: CPUs 0 to
     * count-1 on consecutive ports (so the quorum is a majority of those), its name, base port,
     * key file (in {@link #nodeOptions()}), log directory, heartbeat timeout, lease and metrics port (if
     * the node has one).
     */
    public List<String> cpuStartArgs(int cpu) {
        List<String> args = new ArrayList<>(List.of("cpu", "start", "--cpu", String.valueOf(cpu)));
        // The node's real CPU count, so that its quorum is a majority of these CPUs (2 of 3) as in
        // a deployment: without it a CPU assumes an implicit 0-15, which has no quorum at all.
        args.addAll(List.of("--cpus", String.valueOf(cpuCount)));
        args.addAll(nodeOptions());
        args.addAll(List.of("--log-dir", logDir().toString()));
        if (heartbeatTimeoutSeconds != null) {
            args.addAll(List.of("--heartbeat-timeout", String.valueOf(heartbeatTimeoutSeconds)));
        }
        args.addAll(List.of("--lease-millis", String.valueOf(config.lease().toMillis())));
        // The setting is the port of CPU 0; each CPU adds its number.
        config.metricsPort(0).ifPresent(port -> args.addAll(List.of("--metrics-port", String.valueOf(port))));
        return args;
    }

    /**
     * The full command line ({@code java ... GuardianCommand ARGS}) of a {@code guardian} JVM
     * with the flags and class path the harness gives its CPUs, for tests that start JVMs of
     * their own.
     */
    public static List<String> guardianJvmCommand(List<String> guardianArgs) {
        return guardianJvmCommand(List.of(), guardianArgs);
    }

    /**
     * {@link #guardianJvmCommand(List)} run through {@code prefix} (such as {@code ip netns exec
     * NAME}), which must exec the rest of the command line.
     */
    public static List<String> guardianJvmCommand(List<String> prefix, List<String> guardianArgs) {
        return CpuJvm.command(prefix, CPU_JVM_FLAGS, guardianArgs);
    }

    /** The node's settings, as the CPUs run it: name, ports, CPUs, log directory. */
    public NodeConfig config() {
        return config;
    }

    /**
     * {@code --node NAME --base-port PORT --run-dir DIR}, and {@code --key-file FILE} for a node
     * with a key: how the {@code guardian} command finds this node, through a CPU's admin socket
     * in the test's own run directory.
     */
    public List<String> nodeOptions() {
        List<String> options = new ArrayList<>(List.of("--node", config.nodeName(), "--base-port",
                String.valueOf(config.basePort()), "--run-dir", runDir().toString()));
        options.addAll(KeyFileArgs.of(config, logDir()));
        return List.copyOf(options);
    }

    /** The test's run directory, where the CPUs put their admin sockets ({@code NODE/cpuN.sock}). */
    public Path runDir() {
        return config.runDir().orElseThrow();
    }

    /** The {@code guardian} command bound to this node, run in this JVM. */
    public GuardianCli cli() {
        return new GuardianCli(nodeOptions());
    }

    /** Where the CPU JVMs' output ({@code cpuN.out}) and the process logs go. */
    public Path logDir() {
        return config.logDir();
    }

    /** The file CPU {@code cpu}'s JVM prints to (every incarnation appends to it). */
    public Path cpuOutput(int cpu) {
        return jvm(cpu).output();
    }

    /** The last lines CPU {@code cpu}'s current JVM printed, for failure messages. */
    public String cpuOutputTail(int cpu) {
        return jvm(cpu).tail();
    }

    /** The OS pid of CPU {@code cpu}'s JVM (its latest incarnation, alive or not). */
    public long pid(int cpu) {
        return jvm(cpu).pid();
    }

    /** True while CPU {@code cpu}'s JVM runs (a frozen one runs). */
    public boolean isRunning(int cpu) {
        return jvm(cpu).isAlive();
    }

    /**
     * The operator's Guardian procedures on this node, through a Hazelcast client of this JVM. A
     * client the node dropped (say, after every CPU was killed) is replaced by a new one on the
     * next call.
     */
    public Guardian guardian() {
        return operator.guardian();
    }

    /**
     * The operator's procedures through a Hazelcast client of their own that knows only CPU
     * {@code cpu}'s address, so that the engine's view of the node (who is a member, who owns
     * what) reaches it through that CPU alone: the case of a requester whose CPU of contact
     * hangs. Closed with the cluster.
     */
    public Guardian guardianThrough(int cpu) {
        return operator.guardianThrough(cpu);
    }

    HazelcastInstance client() {
        return operator.client();
    }

    /**
     * The CPU whose member holds the name table's entry of {@code name} (the owner of its
     * partition) as the operator's client sees it now, or -1 if that member carries no CPU number.
     */
    public int nameOwnerCpu(ProcessName name) {
        return Optional.ofNullable(client().getPartitionService().getPartition(name.toString()).getOwner())
                .map(m -> m.getAttribute(EngineMembership.CPU_ATTRIBUTE)).map(Integer::parseInt).orElse(-1);
    }

    /**
     * The CPU of the engine's master (its oldest member) as the operator's client sees it now,
     * or -1 if the oldest member carries no CPU number.
     */
    public int masterCpu() {
        return client().getCluster().getMembers().stream().findFirst()
                .map(m -> m.getAttribute(EngineMembership.CPU_ATTRIBUTE)).map(Integer::parseInt).orElse(-1);
    }

    /** How many members the node has now, as the operator's client sees them, CPUs or not. */
    public int memberCount() {
        return client().getCluster().getMembers().size();
    }

    /**
     * Waits until the node has exactly {@code count} members: after a member that was refused or
     * killed, until the node has seen it leave.
     */
    public void awaitMemberCount(int count) {
        awaitCondition(count + " members in \\" + config.nodeName(), SETTLE_BOUND, () -> memberCount() == count,
                this::allTails);
    }

    /**
     * {@code kill -9} of CPU {@code cpu}'s JVM (it may be frozen); returns once the kernel has
     * reaped it. The survivors notice the lost member within a second or so.
     *
     * @throws IllegalStateException if that JVM is not running
     */
    public void kill9(int cpu) {
        CpuJvm jvm = runningJvm(cpu);
        if (!jvm.kill9(KILL_BOUND)) {
            throw new AssertionError("the JVM of " + jvm.label() + " (pid " + jvm.pid() + ") did not exit within "
                    + KILL_BOUND + " of SIGKILL");
        }
    }

    /**
     * Freezes CPU {@code cpu}'s JVM with SIGSTOP: its member goes silent with its connections
     * open, as a hung CPU does, and is declared dead after the heartbeat timeout.
     */
    public void sigstop(int cpu) {
        runningJvm(cpu).sigstop();
    }

    /** Thaws a JVM frozen by {@link #sigstop}. */
    public void sigcont(int cpu) {
        runningJvm(cpu).sigcont();
    }

    /**
     * Starts CPU {@code cpu} again in a new JVM after it was killed (or exited), and returns once
     * it is up, listed, and the cluster is safe again.
     *
     * @throws IllegalStateException if its JVM still runs: {@link #kill9} it first
     */
    public void restart(int cpu) {
        CpuJvm old = jvm(cpu);
        if (old.isAlive()) {
            throw new IllegalStateException("the JVM of CPU " + cpu + " (pid " + old.pid() + ") still runs: kill9 it first");
        }
        jvms.launch(cpu).awaitOutput(jvms.upLine(cpu), START_BOUND);
        awaitCpusUp(cpu);
        awaitClusterSafe();
    }

    /**
     * Starts again every CPU whose JVM is not running (a test killed it) and waits until the
     * operator's view lists all of the node's CPUs as up: the state each test of a shared node
     * starts from.
     */
    public void restartStopped() {
        int[] all = new int[cpuCount];
        for (int cpu = 0; cpu < cpuCount; cpu++) {
            all[cpu] = cpu;
            if (!isRunning(cpu)) {
                restart(cpu);
            }
        }
        awaitCpusUp(all);
    }

    /** Waits until the operator's view lists every given CPU as up. */
    public void awaitCpusUp(int... cpus) {
        Set<Integer> wanted = Arrays.stream(cpus).boxed().collect(Collectors.toSet());
        awaitCondition("CPUs " + wanted + " of \\" + config.nodeName() + " to be listed as up", SETTLE_BOUND,
                () -> guardian().cpus().stream().map(CpuInfo::cpu).collect(Collectors.toSet()).containsAll(wanted),
                this::allTails);
    }

    /** Waits until the operator's view no longer lists any of the given CPUs. */
    public void awaitCpusDown(int... cpus) {
        Set<Integer> unwanted = Arrays.stream(cpus).boxed().collect(Collectors.toSet());
        awaitCondition("CPUs " + unwanted + " of \\" + config.nodeName() + " to be gone from the node", SETTLE_BOUND,
                () -> guardian().cpus().stream().map(CpuInfo::cpu).noneMatch(unwanted::contains), this::allTails);
    }

    /**
     * Waits until a CPU's member reports the cluster safe: no partition migrating, backups in
     * sync. Killing a member within seconds of a join can otherwise delay partition ownership;
     * {@link #start} and {@link #restart} end with this wait. Needs every member to answer, so
     * not while a CPU is frozen.
     */
    public void awaitClusterSafe() {
        awaitCondition("the partitions of \\" + config.nodeName() + " to be safe (no migration, backups in sync)",
                SETTLE_BOUND, () -> ClusterSafeProbe.ask(client()), this::allTails);
    }

    /** {@link Conditions#awaitCondition(String, Duration, BooleanSupplier)}, kept here where the tests call it. */
    public static void awaitCondition(String what, Duration bound, BooleanSupplier condition) {
        Conditions.awaitCondition(what, bound, condition);
    }

    /** {@link Conditions#awaitCondition(String, Duration, BooleanSupplier, Supplier)}. */
    public static void awaitCondition(String what, Duration bound, BooleanSupplier condition,
                                      Supplier<String> diagnostics) {
        Conditions.awaitCondition(what, bound, condition, diagnostics);
    }

    /** {@link Conditions#assertStaysTrue(String, Duration, BooleanSupplier)}, kept here where the tests call it. */
    public static void assertStaysTrue(String what, Duration window, BooleanSupplier condition) {
        Conditions.assertStaysTrue(what, window, condition);
    }

    /** {@link Conditions#assertStaysTrue(String, Duration, BooleanSupplier, Supplier)}. */
    public static void assertStaysTrue(String what, Duration window, BooleanSupplier condition,
                                       Supplier<String> diagnostics) {
        Conditions.assertStaysTrue(what, window, condition, diagnostics);
    }

    private int[] allCpus() {
        int[] all = new int[cpuCount];
        for (int i = 0; i < cpuCount; i++) {
            all[i] = i;
        }
        return all;
    }

    private CpuJvm jvm(int cpu) {
        if (cpu < 0 || cpu >= cpuCount) {
            throw new IllegalArgumentException("CPU " + cpu + " is not one of this test node's CPUs 0-" + (cpuCount - 1));
        }
        return jvms.jvm(cpu);
    }

    private CpuJvm runningJvm(int cpu) {
        CpuJvm jvm = jvm(cpu);
        if (!jvm.isAlive()) {
            throw new IllegalStateException("the JVM of CPU " + cpu + " (pid " + jvm.pid() + ") is not running");
        }
        return jvm;
    }

    private String allTails() {
        return jvms.tails();
    }

    /**
     * Ends the node: shuts the client down, sends SIGTERM to every CPU JVM (after SIGCONT to a
     * frozen one), SIGKILL to any still running after {@link #TERM_GRACE}, and waits until all
     * are reaped. Idempotent.
     */
    @Override
    public void close() {
        if (operator.close()) {
            jvms.stop(TERM_GRACE, KILL_BOUND);
            removeRunDir();
        }
    }

    /** The CPUs removed their sockets; a killed one's stays. Best effort: it is a temporary directory. */
    private void removeRunDir() {
        try (Stream<Path> files = java.nio.file.Files.walk(runDir())) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException | RuntimeException e) {
            // Left for the system's temporary-file cleanup.
        }
    }

    @Override
    public String toString() {
        return "TestCluster \\" + config.nodeName() + " (" + cpuCount + " CPU JVMs, base port " + config.basePort()
                + ", logs " + logDir() + ")";
    }
}
