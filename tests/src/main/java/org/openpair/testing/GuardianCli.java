package org.openpair.testing;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import org.openpair.emulator.cli.GuardianCommand;
import org.openpair.emulator.config.ConfigSources;

import picocli.CommandLine;

/**
 * Runs the {@code guardian} command in this JVM, as a user would type it, and captures what it
 * prints: the same picocli model {@code main} executes, minus {@code System.exit}.
 *
 * <p>An instance is bound to a node: {@link #run} puts the node options ({@code --node},
 * {@code --base-port}) right after the subcommand, so a test writes
 * {@code cli.run("status", "--json")}. {@link #execute} takes a complete command line.
 *
 * {@snippet :
 * GuardianCli cli = cluster.cli();
 * GuardianCli.Result r = cli.run("run", "--name", "srv", "--cpu", "1", "sleep", "600");
 * assert r.exitCode() == 0 && r.out().contains(".$SRV:");
 * }
 */
public final class GuardianCli {
    /** Search roots where no settings file exists, and an empty environment. */
    private static final ConfigSources NO_SETTINGS = noSettings();

    private final List<String> nodeOptions;

    /**
     * @param nodeOptions the options naming the node, inserted after each subcommand
     */
    public GuardianCli(List<String> nodeOptions) {
        this.nodeOptions = List.copyOf(nodeOptions);
    }

    /**
     * What one command did.
     *
     * @param exitCode what {@code main} would have exited with
     * @param out      everything written to standard output
     * @param err      everything written to standard error
     */
    public record Result(int exitCode, String out, String err) {
        /** Output lines, without empty ones. */
        public List<String> outLines() {
            return out.lines().filter(l -> !l.isBlank()).toList();
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- out:\n" + out + "--- err:\n" + err;
        }
    }

    /**
     * Runs {@code subcommand} against this instance's node: {@code guardian SUBCOMMAND
     * <node options> ARGS...}. For nested subcommands ({@code cpu start}) use {@link #execute}.
     */
    public Result run(String subcommand, String... args) {
        Objects.requireNonNull(subcommand, "subcommand");
        List<String> line = new ArrayList<>();
        line.add(subcommand);
        line.addAll(nodeOptions);
        line.addAll(List.of(args));
        return execute(line.toArray(String[]::new));
    }

    /**
     * Runs {@code guardian ARGS...} exactly as given, with settings from its arguments alone: no
     * settings file and no {@code OPENPAIR_*} variable of the machine running the test can
     * point it at another node.
     */
    public static Result execute(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = GuardianCommand.commandLine(NO_SETTINGS);
        PrintWriter outWriter = new PrintWriter(out, true);
        PrintWriter errWriter = new PrintWriter(err, true);
        cl.setOut(outWriter);
        cl.setErr(errWriter);
        int code = cl.execute(args);
        outWriter.flush();
        errWriter.flush();
        return new Result(code, out.toString(), err.toString());
    }

    /**
     * Runs {@code guardian ARGS...} in a new JVM (same java, flags and class path as the CPUs of
     * a {@link TestCluster}) and waits, at most {@code bound}, for it to exit. Its stdout and
     * stderr are kept in {@code outputPrefix.out} and {@code outputPrefix.err} as well.
     *
     * @throws AssertionError if it is still running after {@code bound} (it is killed then)
     */
    public static Result executeInNewJvm(Path outputPrefix, Duration bound, String... args) {
        return executeInNewJvm(List.of(), outputPrefix, bound, args);
    }

    /**
     * {@link #executeInNewJvm(Path, Duration, String...)} run through {@code prefix} (such as
     * {@code ip netns exec NAME}, to run the command on another "machine"), which must exec the
     * rest of the command line.
     */
    public static Result executeInNewJvm(List<String> prefix, Path outputPrefix, Duration bound, String... args) {
        Path out = outputPrefix.resolveSibling(outputPrefix.getFileName() + ".out");
        Path err = outputPrefix.resolveSibling(outputPrefix.getFileName() + ".err");
        Process p;
        try {
            Files.createDirectories(out.toAbsolutePath().getParent());
            List<String> command = TestCluster.guardianJvmCommand(prefix, List.of(args));
            ProcessBuilder pb = new ProcessBuilder(command);
            // The developer's OPENPAIR_* variables and settings file (a key file among them) stay out of it.
            Map<String, String> env = org.openpair.emulator.launch.CpuJvm.childEnvironment(pb.environment(), command);
            pb.environment().clear();
            pb.environment().putAll(env);
            p = pb.redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start guardian " + String.join(" ", args) + ": " + e, e);
        }
        try {
            if (!p.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
                throw new AssertionError("guardian " + String.join(" ", args) + " (pid " + p.pid()
                        + ") did not exit within " + bound + "; killed it\n" + read(out) + read(err));
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for guardian " + String.join(" ", args), e);
        }
        return new Result(p.exitValue(), read(out), read(err));
    }

    private static ConfigSources noSettings() {
        try {
            Path empty = Files.createTempDirectory("openpair-cli-");
            empty.toFile().deleteOnExit();
            return new ConfigSources(empty, empty, Map.of(), empty);
        } catch (IOException e) {
            throw new IllegalStateException("cannot make an empty directory for the command's settings: " + e, e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }
}
