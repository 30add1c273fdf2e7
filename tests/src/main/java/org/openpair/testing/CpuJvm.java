package org.openpair.testing;

import java.io.IOException;
import java.io.RandomAccessFile;
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

import org.openpair.emulator.os.NativeException;
import org.openpair.emulator.os.NativeOs;

/**
 * One CPU running as a JVM of its own ({@code guardian cpu start}), started by
 * {@link TestCluster}: the OS process, the file its stdout and stderr go to, and the ways to
 * end or freeze it for real.
 *
 * <p>The JVM is started through {@code setpriv --pdeathsig KILL} (when installed) from the
 * cluster's launcher thread, so if the test JVM itself dies, even by {@code kill -9}, the kernel
 * kills the CPU JVMs too: Linux sends the parent-death signal when the creating thread ends.
 */
final class CpuJvm {
    /** The flags every JVM of the project runs with (the parent pom's openpair.jvm.flags). */
    static final List<String> JVM_FLAGS = List.of(
            "-Djava.util.concurrent.ForkJoinPool.common.parallelism=4",
            "--add-modules", "java.se",
            "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.management/sun.management=ALL-UNNAMED",
            "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
            "--add-opens", "java.base/java.io=ALL-UNNAMED",
            "-Xmx256m");
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    private static final int TAIL_LINES = 40;

    private final int cpu;
    private final Process process;
    private final Path output;
    private final long outputStart;
    private volatile boolean suspended;

    private CpuJvm(int cpu, Process process, Path output, long outputStart) {
        this.cpu = cpu;
        this.process = process;
        this.output = output;
        this.outputStart = outputStart;
    }

    /** The class path for a CPU JVM: the test's own, so hosted test programs are found there. */
    static String classPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }

    /** {@code [setpriv --pdeathsig KILL --] java FLAGS -cp CP GuardianCommand ARGS...} */
    static List<String> command(List<String> guardianArgs) {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(SETPRIV)) {
            cmd.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "KILL", "--"));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JVM_FLAGS);
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add("org.openpair.emulator.cli.GuardianCommand");
        cmd.addAll(guardianArgs);
        return cmd;
    }

    /**
     * Starts the JVM from {@code launcher} (a thread that outlives it) with stdout and stderr
     * appended to {@code output}.
     */
    static CpuJvm launch(int cpu, List<String> command, Path output, ExecutorService launcher) {
        try {
            Files.createDirectories(output.getParent());
            long start = Files.exists(output) ? Files.size(output) : 0;
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p = launcher.submit(pb::start).get(60, TimeUnit.SECONDS);
            return new CpuJvm(cpu, p, output, start);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the JVM of CPU " + cpu + ": " + e, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot start the JVM of CPU " + cpu + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the launcher did not start the JVM of CPU " + cpu + " within 60 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the JVM of CPU " + cpu, e);
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

    Path output() {
        return output;
    }

    /**
     * Waits until the JVM prints a line containing {@code marker}; fails at once if it exits
     * first, and after {@code bound} otherwise, each time with the tail of its output.
     */
    void awaitOutput(String marker, Duration bound) {
        TestCluster.awaitCondition("CPU " + cpu + " (pid " + pid() + ") to print '" + marker + "'", bound, () -> {
            if (text().contains(marker)) {
                return true;
            }
            if (!process.isAlive()) {
                throw new AssertionError("the JVM of CPU " + cpu + " (pid " + pid() + ") exited with "
                        + process.exitValue() + " before printing '" + marker + "'\n" + tail());
            }
            return false;
        }, this::tail);
    }

    /** Freezes the JVM (SIGSTOP): its member goes silent without closing a connection. */
    void suspend() {
        signal(NativeOs.SIGSTOP);
        suspended = true;
    }

    /** Thaws a frozen JVM (SIGCONT). */
    void resume() {
        signal(NativeOs.SIGCONT);
        suspended = false;
    }

    boolean isSuspended() {
        return suspended;
    }

    private void signal(int signal) {
        try {
            if (!NativeOs.get().kill(pid(), signal)) {
                throw new IllegalStateException("the JVM of CPU " + cpu + " (pid " + pid() + ") is gone");
            }
        } catch (NativeException e) {
            throw new IllegalStateException("cannot send " + NativeOs.signalName(signal) + " to CPU " + cpu + ": "
                    + e.getMessage(), e);
        }
    }

    /** SIGKILL, then waits (bounded) until the kernel has reaped the JVM. */
    void kill9(Duration bound) {
        process.destroyForcibly();
        awaitExit(bound);
        suspended = false;
    }

    /** SIGTERM (after SIGCONT if frozen): the CPU's orderly shutdown. Does not wait. */
    void terminate() {
        if (suspended && process.isAlive()) {
            try {
                resume();
            } catch (IllegalStateException e) {
                // Gone meanwhile: nothing to thaw.
            }
        }
        process.destroy();
    }

    /** True once the JVM has exited within {@code bound}. */
    boolean waitForExit(Duration bound) {
        try {
            return process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    private void awaitExit(Duration bound) {
        if (!waitForExit(bound)) {
            throw new AssertionError("the JVM of CPU " + cpu + " (pid " + pid() + ") did not exit within " + bound
                    + " of SIGKILL");
        }
    }

    /** Everything this incarnation of the JVM printed so far. */
    String text() {
        try (RandomAccessFile f = new RandomAccessFile(output.toFile(), "r")) {
            long length = f.length() - outputStart;
            if (length <= 0) {
                return "";
            }
            byte[] bytes = new byte[(int) Math.min(length, 16 * 1024 * 1024)];
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
