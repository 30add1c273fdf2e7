package org.openpair.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

import org.openpair.emulator.launch.CpuJvm;

/**
 * The CPU JVMs of one test node ({@link TestCluster}'s on loopback, {@code NetnsNode}'s in network
 * namespaces): the latest incarnation of each CPU, alive or not, with its output in
 * {@code cpuN.out} of the node's log directory.
 *
 * <p>{@link #startAll} starts them in the order a node must form: CPU 0 first, alone, since two
 * members starting at once may each form a cluster of their own; then the others together, since
 * joining an existing cluster is safe concurrently. From then on a shutdown hook kills every CPU
 * JVM still there if the test JVM exits without {@link #stop}; each also carries a parent-death
 * signal ({@link CpuJvm}), so not even a killed test JVM leaves CPUs behind.
 */
public final class NodeJvms {
    private final String nodeName;
    private final Path logDir;
    private final IntFunction<String> label;
    private final IntFunction<List<String>> command;
    private final Map<Integer, CpuJvm> jvms = new TreeMap<>();
    private final Thread exitHook;
    private boolean hooked;

    /**
     * @param nodeName the node's name, without the backslash
     * @param logDir   where {@code cpuN.out} go
     * @param label    what CPU {@code cpu}'s JVM is called in messages
     * @param command  the command line that starts CPU {@code cpu} ({@link CpuJvm#command})
     */
    public NodeJvms(String nodeName, Path logDir, IntFunction<String> label, IntFunction<List<String>> command) {
        this.nodeName = nodeName;
        this.logDir = logDir;
        this.label = label;
        this.command = command;
        this.exitHook = new Thread(this::killAllNow, "node-jvms-" + nodeName + "-exit");
    }

    /**
     * Where a test node's output and logs go by default: {@code target/openpair-it/NODE} under the
     * module when run by Maven, else a new temporary directory named {@code tempPrefix-node}.
     */
    public static Path defaultLogDir(String node, String tempPrefix) {
        String basedir = System.getProperty("basedir");
        if (basedir != null) {
            return Path.of(basedir, "target", "openpair-it", node);
        }
        try {
            return Files.createTempDirectory(tempPrefix + "-" + node.toLowerCase(Locale.ROOT));
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a temporary log directory: " + e, e);
        }
    }

    /** What {@code guardian cpu start} prints once CPU {@code cpu} has joined and holds its number. */
    public String upLine(int cpu) {
        return "CPU " + cpu + " of \\" + nodeName + " is up at ";
    }

    /**
     * Starts CPUs 0 to {@code count}-1, CPU 0 first, and returns once each has printed its
     * {@link #upLine}; {@code meanwhile} runs once the others are started, before their wait.
     *
     * @throws org.openpair.guardian.GuardianException if a JVM cannot start, exits first, or is
     *                                                 not up within {@code bound}
     */
    public void startAll(int count, Duration bound, Runnable meanwhile) {
        synchronized (this) {
            if (!hooked) {
                Runtime.getRuntime().addShutdownHook(exitHook);
                hooked = true;
            }
        }
        launch(0).awaitOutput(upLine(0), bound);
        for (int cpu = 1; cpu < count; cpu++) {
            launch(cpu);
        }
        meanwhile.run();
        for (int cpu = 1; cpu < count; cpu++) {
            jvm(cpu).awaitOutput(upLine(cpu), bound);
        }
    }

    /** Starts CPU {@code cpu}'s JVM (again), without waiting for it to be up. */
    public CpuJvm launch(int cpu) {
        CpuJvm jvm = CpuJvm.start(label.apply(cpu), command.apply(cpu), logDir.resolve("cpu" + cpu + ".out"));
        synchronized (this) {
            jvms.put(cpu, jvm);
        }
        return jvm;
    }

    /**
     * CPU {@code cpu}'s latest JVM, alive or not.
     *
     * @throws IllegalArgumentException if it was never started
     */
    public synchronized CpuJvm jvm(int cpu) {
        CpuJvm jvm = jvms.get(cpu);
        if (jvm == null) {
            throw new IllegalArgumentException("CPU " + cpu + " of \\" + nodeName + " has not been started (CPUs "
                    + jvms.keySet() + ")");
        }
        return jvm;
    }

    /** The tails of every CPU JVM's output, for failure messages. */
    public String tails() {
        return all().stream().map(CpuJvm::tail).collect(Collectors.joining("\n"));
    }

    /**
     * Ends every CPU JVM: SIGTERM (after SIGCONT to a frozen one), SIGKILL to any still running
     * after {@code grace}; waits until all are reaped and removes the shutdown hook.
     *
     * @throws AssertionError naming the first JVM that did not exit within {@code killBound} of
     *                        SIGKILL (the others are ended regardless)
     */
    public void stop(Duration grace, Duration killBound) {
        List<CpuJvm> stuck = CpuJvm.stopAll(all(), grace, killBound);
        try {
            Runtime.getRuntime().removeShutdownHook(exitHook);
        } catch (IllegalStateException e) {
            // The JVM is exiting: the hook runs (harmlessly) or has run.
        }
        if (!stuck.isEmpty()) {
            CpuJvm first = stuck.get(0);
            throw new AssertionError("the JVM of " + first.label() + " (pid " + first.pid() + ") did not exit within "
                    + killBound + " of SIGKILL");
        }
    }

    private synchronized List<CpuJvm> all() {
        return new ArrayList<>(jvms.values());
    }

    /** The exit hook: SIGKILL to every CPU JVM still there, no waiting for an orderly end. */
    private void killAllNow() {
        // Exiting anyway: one that does not die in time is left to the parent-death signal.
        CpuJvm.killAll(all(), Duration.ofSeconds(5));
    }
}
