package org.openpair.emulator.bench;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

import org.openpair.emulator.node.NodeConfig;
import org.openpair.emulator.os.NativeException;
import org.openpair.emulator.os.NativeOs;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * One CPU of a benchmark's node running as a JVM of its own, started the way an operator starts
 * one ({@code guardian cpu start --cpu N --cpus C --node NAME --base-port B --log-dir D
 * --heartbeat-timeout S}) with this JVM's flags and class path, so it can be killed for real
 * ({@code kill -9}) or frozen ({@code SIGSTOP}). Its stdout and stderr go to {@code cpuN.out}
 * beside the node's logs.
 *
 * <p>The JVM is started through {@code setpriv --pdeathsig KILL} (when installed) from the
 * node's launcher thread, which lives as long as the benchmark: if the benchmark's JVM dies,
 * even by {@code kill -9}, the kernel kills this one too.
 *
 * <p>Used by {@link PairBenchNode}; run with {@code ./guardian bench checkpoint} or
 * {@code ./guardian bench takeover}.
 */
final class ChildCpu {
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    /** The line {@code guardian cpu start} prints once the CPU holds its number. */
    static final String UP_MARKER = " is up at ";
    private static final int TAIL_LINES = 30;

    private final int cpu;
    private final Process process;
    private final Path output;
    private final long outputStart;

    private ChildCpu(int cpu, Process process, Path output, long outputStart) {
        this.cpu = cpu;
        this.process = process;
        this.output = output;
        this.outputStart = outputStart;
    }

    /**
     * Starts CPU {@code cpu} of {@code config}'s node from {@code launcher} and waits until it
     * prints that it is up.
     *
     * @throws GuardianException 40 if it is not up within {@code bound}; 66 if it exits first
     */
    static ChildCpu start(NodeConfig config, int cpu, Path output, ExecutorService launcher, Duration bound) {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(SETPRIV)) {
            cmd.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "KILL", "--"));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags());
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add("org.openpair.emulator.cli.GuardianCommand");
        cmd.addAll(List.of("cpu", "start", "--cpu", String.valueOf(cpu),
                "--cpus", String.valueOf(config.cpuAddresses().size()),
                "--node", config.nodeName(),
                "--base-port", String.valueOf(config.basePort()),
                "--log-dir", config.logDir().toString(),
                "--heartbeat-timeout", String.valueOf(config.heartbeatTimeoutSeconds())));
        Process p;
        long start;
        try {
            Files.createDirectories(output.getParent());
            start = Files.exists(output) ? Files.size(output) : 0;
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            p = launcher.submit(pb::start).get(60, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new GuardianException(GuardianError.DEVICE_DOWN, "cannot start the JVM of CPU " + cpu + ": " + e);
        } catch (ExecutionException e) {
            throw new GuardianException(GuardianError.DEVICE_DOWN, "cannot start the JVM of CPU " + cpu + ": "
                    + e.getCause());
        } catch (TimeoutException e) {
            throw new GuardianException(GuardianError.TIMED_OUT, "the launcher did not start the JVM of CPU " + cpu
                    + " within 60 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuardianException(GuardianError.TIMED_OUT, "interrupted while starting the JVM of CPU " + cpu);
        }
        ChildCpu child = new ChildCpu(cpu, p, output, start);
        try {
            child.awaitUp(bound);
        } catch (RuntimeException e) {
            child.kill();
            throw e;
        }
        return child;
    }

    /**
     * This JVM's own flags (the project's {@code --add-opens} and the ForkJoin parallelism, as
     * the launcher and Surefire pass them), without agents or a debugger; the parallelism is
     * added if this JVM was started without it.
     */
    static List<String> jvmFlags() {
        List<String> flags = new ArrayList<>();
        boolean parallelism = false;
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-agentlib") || arg.startsWith("-javaagent") || arg.startsWith("-agentpath")
                    || arg.startsWith("-Xrunjdwp") || arg.startsWith("-Xdebug")) {
                continue;
            }
            parallelism |= arg.startsWith("-Djava.util.concurrent.ForkJoinPool.common.parallelism=");
            flags.add(arg);
        }
        if (!parallelism) {
            flags.add(0, "-Djava.util.concurrent.ForkJoinPool.common.parallelism=4");
        }
        return flags;
    }

    /** The class path for a CPU JVM: Surefire's test class path in a test, else this JVM's. */
    static String classPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }

    private void awaitUp(Duration bound) {
        long end = System.nanoTime() + bound.toNanos();
        while (!text().contains(UP_MARKER)) {
            if (!process.isAlive()) {
                throw new GuardianException(GuardianError.DEVICE_DOWN, "the JVM of CPU " + cpu + " (pid " + pid()
                        + ") exited with " + process.exitValue() + " before it was up\n" + tail());
            }
            if (System.nanoTime() - end > 0) {
                throw new GuardianException(GuardianError.TIMED_OUT, "the JVM of CPU " + cpu + " (pid " + pid()
                        + ") was not up within " + bound.toSeconds() + " s\n" + tail());
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
    }

    int cpu() {
        return cpu;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL, at once; does not wait. */
    void sigkill() {
        process.destroyForcibly();
    }

    /** SIGSTOP: the JVM freezes without closing a connection. */
    void sigstop() {
        try {
            if (!NativeOs.get().kill(pid(), NativeOs.SIGSTOP)) {
                throw new GuardianException(GuardianError.DEVICE_DOWN, "the JVM of CPU " + cpu + " (pid " + pid()
                        + ") is gone");
            }
        } catch (NativeException e) {
            throw new GuardianException(GuardianError.SECURITY, "cannot send SIGSTOP to CPU " + cpu + " (pid " + pid()
                    + "): " + e.getMessage());
        }
    }

    /** SIGKILL and wait (bounded) for the kernel to reap it; true if it is gone. */
    boolean kill() {
        process.destroyForcibly();
        return waitForExit(Duration.ofSeconds(30));
    }

    /** True once the JVM has exited, waiting at most {@code bound}. */
    boolean waitForExit(Duration bound) {
        try {
            return process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    /** What this incarnation of the JVM printed so far. */
    String text() {
        try (RandomAccessFile f = new RandomAccessFile(output.toFile(), "r")) {
            long length = f.length() - outputStart;
            if (length <= 0) {
                return "";
            }
            byte[] bytes = new byte[(int) Math.min(length, 4 * 1024 * 1024)];
            f.seek(outputStart);
            f.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** The last lines this incarnation printed, for failure messages. */
    String tail() {
        List<String> lines = text().lines().toList();
        List<String> last = lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size());
        return "--- last " + last.size() + " lines of " + output + " (CPU " + cpu + ", pid " + pid() + ", "
                + (process.isAlive() ? "running" : "exited " + process.exitValue()) + "):\n"
                + String.join("\n", last) + "\n---";
    }
}
