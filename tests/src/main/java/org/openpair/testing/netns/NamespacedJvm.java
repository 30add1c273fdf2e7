package org.openpair.testing.netns;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A JVM (or any command) started inside a lab namespace through {@code ip netns exec}, with its
 * stdout and stderr appended to a file: the counterpart of the harness's {@code CpuJvm} for
 * {@link NetnsNode}. {@code ip netns exec} and {@code setpriv} both exec rather than fork, so
 * {@link #pid()} is the JVM's own pid and a signal sent to it reaches the JVM.
 */
public final class NamespacedJvm {
    private static final int TAIL_LINES = 40;

    private final String label;
    private final Process process;
    private final Path output;
    private final long outputStart;

    private NamespacedJvm(String label, Process process, Path output, long outputStart) {
        this.label = label;
        this.process = process;
        this.output = output;
        this.outputStart = outputStart;
    }

    /**
     * Starts {@code builder}'s command from {@code launcher} (a thread that outlives the process,
     * since a parent-death signal follows the creating thread), output appended to {@code output}.
     */
    static NamespacedJvm launch(String label, ProcessBuilder builder, Path output, ExecutorService launcher) {
        try {
            Files.createDirectories(output.getParent());
            long start = Files.exists(output) ? Files.size(output) : 0;
            builder.redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Process p = launcher.submit(builder::start).get(60, TimeUnit.SECONDS);
            return new NamespacedJvm(label, p, output, start);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + label + ": " + e, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot start " + label + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the launcher did not start " + label + " within 60 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting " + label, e);
        }
    }

    public String label() {
        return label;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The file the process prints to. */
    public Path output() {
        return output;
    }

    /**
     * Waits until the process prints a line containing {@code marker}; fails at once if it exits
     * first, and after {@code bound} otherwise, each time with the tail of its output.
     */
    public void awaitOutput(String marker, Duration bound) {
        Waits.await(label + " (pid " + pid() + ") to print '" + marker + "'", bound, () -> {
            if (text().contains(marker)) {
                return true;
            }
            if (!process.isAlive()) {
                throw new AssertionError(label + " (pid " + pid() + ") exited with " + process.exitValue()
                        + " before printing '" + marker + "'\n" + tail());
            }
            return false;
        }, this::tail);
    }

    /** SIGTERM: an orderly shutdown. Does not wait. */
    public void terminate() {
        process.destroy();
    }

    /** SIGKILL, then waits (bounded) until the kernel has reaped the process. */
    public void kill9(Duration bound) {
        process.destroyForcibly();
        if (!waitForExit(bound)) {
            throw new AssertionError(label + " (pid " + pid() + ") did not exit within " + bound + " of SIGKILL");
        }
    }

    /** True once the process has exited within {@code bound}. */
    public boolean waitForExit(Duration bound) {
        try {
            return process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    /** Everything this process printed so far. */
    public String text() {
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

    /** The last lines the process printed, for failure messages. */
    public String tail() {
        List<String> lines = text().lines().toList();
        List<String> last = lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size());
        return "--- last " + last.size() + " lines of " + output + " (" + label + ", pid " + pid() + ", "
                + (process.isAlive() ? "running" : "exited " + process.exitValue()) + "):\n"
                + String.join("\n", last) + "\n---";
    }
}
