package org.openpair.emulator.launch;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

import org.openpair.emulator.os.NativeException;
import org.openpair.emulator.os.NativeOs;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.emulator.threads.SystemThreads;

/**
 * One CPU running as a JVM of its own ({@code guardian cpu start ...}) and started by this JVM:
 * the OS process, the file its stdout and stderr are appended to, and the ways to end or freeze
 * it for real. The benchmarks' child CPU, the test harness's CPUs (on loopback or inside a
 * network namespace) and the demo's CPU 1 are all one of these.
 *
 * <p>{@link #command} builds the command line: an optional prefix (such as {@code ip netns exec
 * NAME}), {@code setpriv --pdeathsig KILL --} when installed, this JVM's {@code java}, the given
 * flags ({@link #projectFlags()} or {@link #inheritedFlags()}), {@link #classPath()} and
 * {@code GuardianCommand} with its arguments. {@code ip netns exec} and {@code setpriv} both exec
 * rather than fork, so {@link #pid()} is the JVM's own pid and a signal sent to it reaches the JVM.
 *
 * <p>{@link #start} starts it from one long-lived launcher thread of this class, never from the
 * caller's: Linux sends the parent-death signal when the <em>creating thread</em> ends, not the
 * process, so a CPU JVM started from a short-lived thread would be killed as soon as that thread
 * ended. The launcher thread lives as long as this JVM, so if this JVM dies, even by
 * {@code kill -9}, the kernel kills every CPU JVM it started too.
 *
 * <p>{@link #text()} is what this incarnation printed: the output file is appended to by every
 * incarnation of a CPU, and each reads from the offset at which it was started.
 */
public final class CpuJvm {
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    private static final String PROJECT_FLAGS_RESOURCE = "jvm-flags.txt";
    private static final String PARALLELISM = "-Djava.util.concurrent.ForkJoinPool.common.parallelism=";
    private static final Duration LAUNCH_BOUND = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(20);
    private static final int TEXT_LIMIT = 16 * 1024 * 1024;
    private static final int TAIL_LINES = 40;
    /** Starts every CPU JVM and lives as long as this JVM: their parent-death signal follows this thread. */
    private static final ExecutorService LAUNCHER = Executors.newSingleThreadExecutor(
            r -> SystemThreads.daemon(r, "cpu-jvm-launcher"));

    private final String label;
    private final Process process;
    private final Path output;
    private final long outputStart;
    private volatile boolean suspended;

    private CpuJvm(String label, Process process, Path output, long outputStart) {
        this.label = label;
        this.process = process;
        this.output = output;
        this.outputStart = outputStart;
    }

    /**
     * The flags every JVM of the project runs with (the root pom's {@code openpair.jvm.flags},
     * which the {@code guardian} script reads too): the ForkJoin parallelism and the
     * {@code --add-opens} Hazelcast and the emulator need.
     */
    /**
     * The diagnostic flags of CPU {@code cpu}'s JVM: its collections and safepoints logged to
     * {@code cpuN-gc-PID.log} in {@code logDir} (two files of at most 20 MB; a pause of the whole
     * JVM looks to its peers like a freeze, and this log tells one from the other; none when the
     * path holds ':' or ',', which the flag's syntax reserves), and the FINE loggers this JVM was
     * given ({@value Logging#FINE_PROPERTY}), passed on.
     */
    public static List<String> diagnosticFlags(int cpu, Path logDir) {
        List<String> flags = new ArrayList<>();
        String fine = System.getProperty(Logging.FINE_PROPERTY);
        if (fine != null) {
            flags.add("-D" + Logging.FINE_PROPERTY + "=" + fine);
        }
        String gcLog = logDir.resolve("cpu" + cpu + "-gc-%p.log").toAbsolutePath().toString();
        if (!gcLog.contains(":") && !gcLog.contains(",")) {
            flags.add("-Xlog:gc,safepoint:file=" + gcLog + ":time,uptime,level,tags:filecount=2,filesize=20m");
        }
        return flags;
    }

    public static List<String> projectFlags() {
        try (InputStream in = CpuJvm.class.getResourceAsStream(PROJECT_FLAGS_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + PROJECT_FLAGS_RESOURCE + " is missing beside "
                        + CpuJvm.class.getName());
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            return List.of(text.split("\\s+"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + PROJECT_FLAGS_RESOURCE + ": " + e, e);
        }
    }

    /**
     * This JVM's own flags (as the launcher script or Surefire passed them), without agents or a
     * debugger; the ForkJoin parallelism is added if this JVM was started without it.
     */
    public static List<String> inheritedFlags() {
        List<String> flags = new ArrayList<>();
        boolean parallelism = false;
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-agentlib") || arg.startsWith("-javaagent") || arg.startsWith("-agentpath")
                    || arg.startsWith("-Xrunjdwp") || arg.startsWith("-Xdebug")) {
                continue;
            }
            parallelism |= arg.startsWith(PARALLELISM);
            flags.add(arg);
        }
        if (!parallelism) {
            flags.add(0, PARALLELISM + "4");
        }
        return flags;
    }

    /**
     * The class path for a CPU JVM: Surefire's test class path in a test (so hosted test programs
     * are found there), else this JVM's.
     */
    public static String classPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }

    /** {@code PREFIX... [setpriv --pdeathsig KILL --] java FLAGS -cp CP GuardianCommand ARGS...} */
    public static List<String> command(List<String> prefix, List<String> jvmFlags, List<String> guardianArgs) {
        List<String> cmd = new ArrayList<>(prefix);
        if (Files.isExecutable(SETPRIV)) {
            cmd.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "KILL", "--"));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags);
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add("org.openpair.emulator.cli.GuardianCommand");
        cmd.addAll(guardianArgs);
        return cmd;
    }

    /**
     * Starts {@code command} (see {@link #command}) from the launcher thread with stdout and
     * stderr appended to {@code output}; does not wait for it to be up ({@link #awaitOutput}).
     *
     * @param label what the JVM is called in messages, such as {@code CPU 1} or
     *              {@code CPU 1 in openpair-n1}
     * @throws GuardianException 66 if it cannot be started; 40 if the launcher did not start it
     *                           within 60 s or this thread was interrupted
     */
    /**
     * The environment of a launched JVM: the launcher's, without any {@code OPENPAIR_*} setting
     * and, unless the command names a {@code --config} file itself, with {@code OPENPAIR_CONFIG}
     * set to an empty file. A launched CPU's settings are its arguments, which the launching
     * command has resolved already; the variables or a settings file of the machine it runs on
     * (a developer's own, the demo's user's) must not change them behind its back.
     */
    public static Map<String, String> childEnvironment(Map<String, String> parent, List<String> command) {
        Map<String, String> env = new HashMap<>(parent);
        env.keySet().removeIf(k -> k.startsWith("OPENPAIR_"));
        if (!command.contains("--config") && command.stream().noneMatch(a -> a.startsWith("--config="))) {
            env.put("OPENPAIR_CONFIG", "/dev/null");
        }
        return env;
    }

    public static CpuJvm start(String label, List<String> command, Path output) {
        try {
            Files.createDirectories(output.toAbsolutePath().getParent());
            long start = Files.exists(output) ? Files.size(output) : 0;
            ProcessBuilder pb = new ProcessBuilder(command);
            Map<String, String> env = childEnvironment(pb.environment(), command);
            pb.environment().clear();
            pb.environment().putAll(env);
            pb.redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Process p = LAUNCHER.submit(pb::start).get(LAUNCH_BOUND.toSeconds(), TimeUnit.SECONDS);
            return new CpuJvm(label, p, output, start);
        } catch (IOException e) {
            throw new GuardianException(GuardianError.DEVICE_DOWN, "cannot start the JVM of " + label + ": " + e, e);
        } catch (ExecutionException e) {
            throw new GuardianException(GuardianError.DEVICE_DOWN, "cannot start the JVM of " + label + ": "
                    + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new GuardianException(GuardianError.TIMED_OUT, "the launcher did not start the JVM of " + label
                    + " within " + LAUNCH_BOUND.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuardianException(GuardianError.TIMED_OUT, "interrupted while starting the JVM of " + label, e);
        }
    }

    /**
     * Ends every JVM of {@code jvms} that still runs: SIGTERM to all (after SIGCONT to a frozen
     * one), then SIGKILL to any still running after {@code grace}, waiting at most
     * {@code killBound} for each of those to be reaped.
     *
     * @return the JVMs that had not exited even then, in the order given; empty if all are gone
     */
    public static List<CpuJvm> stopAll(Collection<CpuJvm> jvms, Duration grace, Duration killBound) {
        for (CpuJvm jvm : jvms) {
            if (jvm.isAlive()) {
                jvm.terminate();
            }
        }
        long deadline = System.nanoTime() + grace.toNanos();
        List<CpuJvm> stuck = new ArrayList<>();
        for (CpuJvm jvm : jvms) {
            long left = Math.max(0, deadline - System.nanoTime());
            if (!jvm.waitForExit(Duration.ofNanos(left)) && !jvm.kill9(killBound)) {
                stuck.add(jvm);
            }
        }
        return stuck;
    }

    /** SIGKILL to every JVM of {@code jvms} that still runs, waiting at most {@code bound} for each. */
    public static void killAll(Collection<CpuJvm> jvms, Duration bound) {
        for (CpuJvm jvm : jvms) {
            if (jvm.isAlive()) {
                jvm.kill9(bound);
            }
        }
    }

    /** What the JVM is called in messages. */
    public String label() {
        return label;
    }

    public long pid() {
        return process.pid();
    }

    /** True while the JVM runs (a frozen one runs). */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** The file the JVM prints to (every incarnation of the CPU appends to it). */
    public Path output() {
        return output;
    }

    /**
     * Waits until the JVM prints a line containing {@code marker}, polling every 20 ms.
     *
     * @throws GuardianException 66 at once if it exits first, 40 after {@code bound} (or if this
     *                           thread is interrupted); each time with the tail of its output
     */
    public void awaitOutput(String marker, Duration bound) {
        long end = System.nanoTime() + bound.toNanos();
        while (!text().contains(marker)) {
            if (!process.isAlive()) {
                throw new GuardianException(GuardianError.DEVICE_DOWN, "the JVM of " + label + " (pid " + pid()
                        + ") exited with " + process.exitValue() + " before printing '" + marker + "'\n" + tail());
            }
            if (System.nanoTime() - end > 0) {
                throw new GuardianException(GuardianError.TIMED_OUT, "the JVM of " + label + " (pid " + pid()
                        + ") did not print '" + marker + "' within " + bound.toMillis() + " ms\n" + tail());
            }
            LockSupport.parkNanos(POLL.toNanos());
            if (Thread.currentThread().isInterrupted()) {
                throw new GuardianException(GuardianError.TIMED_OUT, "interrupted while waiting for the JVM of "
                        + label + " to print '" + marker + "'");
            }
        }
    }

    /**
     * SIGQUIT: the JVM prints a dump of its threads to its output and goes on. Waits at most
     * {@code bound} for the dump to appear there (a frozen JVM prints it only once thawed).
     *
     * @return true once the dump's first line is in the output
     */
    public boolean threadDump(Duration bound) {
        long before = outputLength();
        signal(NativeOs.SIGQUIT);
        long end = System.nanoTime() + bound.toNanos();
        while (!textFrom(before).contains("Full thread dump")) {
            if (System.nanoTime() - end > 0 || !process.isAlive()) {
                return false;
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
        return true;
    }

    private long outputLength() {
        return output.toFile().length();
    }

    /** SIGSTOP: the JVM freezes, its member silent without closing a connection. */
    public void sigstop() {
        signal(NativeOs.SIGSTOP);
        suspended = true;
    }

    /** SIGCONT: thaws a JVM frozen by {@link #sigstop}. */
    public void sigcont() {
        signal(NativeOs.SIGCONT);
        suspended = false;
    }

    /** True between {@link #sigstop} and {@link #sigcont} (or a kill). */
    public boolean isSuspended() {
        return suspended;
    }

    /** SIGKILL, at once; does not wait. */
    public void sigkill() {
        process.destroyForcibly();
        suspended = false;
    }

    /** SIGKILL, then waits at most {@code bound} for the kernel to reap the JVM; true if it is gone. */
    public boolean kill9(Duration bound) {
        sigkill();
        return waitForExit(bound);
    }

    /** SIGTERM (after SIGCONT if frozen): the CPU's orderly shutdown. Does not wait. */
    public void terminate() {
        if (suspended && process.isAlive()) {
            try {
                sigcont();
            } catch (GuardianException e) {
                // Gone meanwhile: nothing to thaw.
            }
        }
        process.destroy();
    }

    /** True once the JVM has exited, waiting at most {@code bound}. */
    public boolean waitForExit(Duration bound) {
        try {
            return process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    /** What this incarnation of the JVM printed so far (its first 16 MiB). */
    public String text() {
        return textFrom(outputStart);
    }

    /** What the output file holds past {@code offset} (its first {@value #TEXT_LIMIT} bytes). */
    private String textFrom(long offset) {
        try (RandomAccessFile f = new RandomAccessFile(output.toFile(), "r")) {
            long length = f.length() - offset;
            if (length <= 0) {
                return "";
            }
            byte[] bytes = new byte[(int) Math.min(length, TEXT_LIMIT)];
            f.seek(offset);
            f.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** The last lines this incarnation printed, for failure messages. */
    public String tail() {
        List<String> lines = text().lines().toList();
        List<String> last = lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size());
        return "--- last " + last.size() + " lines of " + output + " (" + label + ", pid " + pid() + ", "
                + (process.isAlive() ? "running" : "exited " + process.exitValue()) + "):\n"
                + String.join("\n", last) + "\n---";
    }

    private void signal(int signal) {
        try {
            if (!NativeOs.get().kill(pid(), signal)) {
                throw new GuardianException(GuardianError.DEVICE_DOWN, "the JVM of " + label + " (pid " + pid()
                        + ") is gone");
            }
        } catch (NativeException e) {
            throw new GuardianException(GuardianError.SECURITY, "cannot send " + NativeOs.signalName(signal)
                    + " to the JVM of " + label + " (pid " + pid() + "): " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "CpuJvm[" + label + ", pid " + pid() + (isAlive() ? "" : ", exited") + "]";
    }
}
