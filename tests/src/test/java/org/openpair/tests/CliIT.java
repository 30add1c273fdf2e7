package org.openpair.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.hazelcast.internal.json.Json;
import com.hazelcast.internal.json.JsonObject;
import com.hazelcast.internal.json.JsonValue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.openpair.emulator.cli.GuardianCommand;
import org.openpair.emulator.config.ConfigSources;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.Termination;
import org.openpair.testing.GuardianCli;
import org.openpair.testing.TestCluster;
import org.openpair.testing.TestPorts;
import org.openpair.testing.programs.WaitForStop;

/**
 * The {@code guardian} command against a node of two CPU JVMs, run in this JVM as a user types
 * it: what it prints, the exit code of each kind of outcome (0 ok, 1 Guardian error with its
 * number first, 2 usage, 3 node unreachable), never a stack trace, and a node that still serves
 * after all the bad input. One node for the class; the last test checks it still serves.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliIT {
    private static TestCluster cluster;
    private static GuardianCli cli;
    private static Guardian guardian;
    private static Path notExecutable;

    @BeforeAll
    static void startNode() throws IOException {
        cluster = TestCluster.start(2);
        cli = cluster.cli();
        guardian = cluster.guardian();
        notExecutable = cluster.logDir().resolve("not-executable.txt");
        Files.writeString(notExecutable, "just text\n");
        Files.setPosixFilePermissions(notExecutable, PosixFilePermissions.fromString("rw-r--r--"));
    }

    @AfterAll
    static void stopNode() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void run_status_ppd_stop_ofANamedProcess_onCpu1() {
        String node = cluster.config().nodeName();

        GuardianCli.Result run = cli.run("run", "--name", "srv", "--cpu", "1", "sleep", "600");
        assertOk(run);
        assertThat(run.out()).startsWith("\\" + node + ".$SRV:");
        assertThat(run.out()).contains("cpu,pin 1,");

        GuardianCli.Result dup = cli.run("run", "--name", "srv", "--cpu", "0", "sleep", "600");
        assertGuardianError(dup, 12);

        GuardianCli.Result status = cli.run("status");
        assertOk(status);
        assertThat(status.outLines()).as("status table\n%s", status)
                .anySatisfy(line -> assertThat(line).matches("\\$SRV\\s+1,\\d+\\s.*"));

        GuardianCli.Result json = cli.run("status", "--json");
        assertOk(json);
        List<JsonObject> objects = jsonObjects(json);
        assertThat(objects).as("status --json\n%s", json)
                .anySatisfy(o -> {
                    assertThat(o.getString("name", null)).isEqualTo("$SRV");
                    assertThat(o.getInt("cpu", -1)).isEqualTo(1);
                    assertThat(o.getString("kind", null)).isEqualTo("os");
                });
        assertThat(json.outLines()).anySatisfy(line -> assertThat(line).contains("\"name\":\"$SRV\""));

        GuardianCli.Result ppd = cli.run("ppd", "srv");
        assertOk(ppd);
        assertThat(ppd.outLines()).as("ppd srv\n%s", ppd)
                .anySatisfy(line -> assertThat(line).matches("\\$SRV\\s+1,\\d+\\s.*"));

        GuardianCli.Result stop = cli.run("stop", "srv");
        assertOk(stop);
        assertThat(stop.out()).contains("$SRV").contains("completion code 6");

        GuardianCli.Result ended = cli.run("status", "--ended", "--json");
        assertOk(ended);
        assertThat(jsonObjects(ended)).as("status --ended --json\n%s", ended)
                .anySatisfy(o -> {
                    assertThat(o.getString("name", null)).isEqualTo("$SRV");
                    assertThat(o.getInt("completion_code", 0)).isEqualTo(6);
                    assertThat(o.getString("cause", null)).isEqualTo("STOPPED");
                });

        GuardianCli.Result stopAgain = cli.run("stop", "srv");
        assertGuardianError(stopAgain, 14);
    }

    static Stream<Arguments> refusals() throws IOException {
        return Stream.of(
                // Asked through a CPU's admin socket, the node's own settings answer: it has CPUs 0-1 only, so
                // CPU 7 does not exist (over the engine the command's implicit 0-15 would call it down, 66).
                Arguments.of(List.of("run", "--cpu", "7", "sleep", "1"), 14),
                Arguments.of(List.of("run", "--name", "1abc", "sleep", "1"), 13),
                Arguments.of(List.of("run", "no-such-program-xyz"), 11),
                Arguments.of(List.of("run", notExecutable.toString()), 48),
                Arguments.of(List.of("run", "--hosted", "no.such.Class"), 11),
                Arguments.of(List.of("ppd", "$NOPE"), 14),
                Arguments.of(List.of("stop", "$NOPE"), 14),
                Arguments.of(List.of("status", "$NOPE"), 14),
                Arguments.of(List.of("send", "$NOPE", "hello"), 14));
    }

    @ParameterizedTest(name = "guardian {0} -> error {1}")
    @MethodSource("refusals")
    @Order(2)
    void refusal_exitsWith1_andPrintsTheGuardianErrorNumber(List<String> command, int error) {
        GuardianCli.Result r = cli.run(command.get(0), command.subList(1, command.size()).toArray(String[]::new));
        assertGuardianError(r, error);
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of(List.of("run")),
                Arguments.of(List.of("run", "--cpu", "x", "sleep")),
                Arguments.of(List.of("status", "--bogus")),
                Arguments.of(List.of("stop")),
                Arguments.of(List.of("run", "--pri", "high", "sleep")),
                Arguments.of(List.of("send", "$LEDG", "x", "--timeout", "0")),
                Arguments.of(List.of("send")));
    }

    @ParameterizedTest(name = "guardian {0} -> usage")
    @MethodSource("malformed")
    @Order(3)
    void malformedCommandLine_exitsWith2(List<String> command) {
        GuardianCli.Result r = cli.run(command.get(0), command.subList(1, command.size()).toArray(String[]::new));
        assertThat(r.exitCode()).as("exit code\n%s", r).isEqualTo(2);
        assertThat(r.err()).isNotBlank().doesNotContain("\tat ");
    }

    @Test
    @Order(4)
    void status_ofANodeWithNothingRunning_exitsWith3() {
        int base = TestPorts.freeBlock(16);
        GuardianCli.Result r = GuardianCli.execute("status", "--node", "NOBODY", "--base-port", String.valueOf(base));
        assertThat(r.exitCode()).as("exit code\n%s", r).isEqualTo(3);
        assertThat(r.err()).startsWith("guardian: ").contains("NOBODY").doesNotContain("\tat ");
    }

    @Test
    @Order(5)
    void send_toALedgerPair_textAndStdin_json_andItsErrors() {
        GuardianCli.Result run = cli.run("run", "--name", "ledg", "--cpu", "1", "--hosted", "org.openpair.examples.LedgerServer",
                "0", "4", "100");
        assertOk(run);
        TestCluster.awaitCondition("the ledger's backup on CPU 0", java.time.Duration.ofSeconds(60),
                () -> guardian.processGetPairInfo(org.openpair.guardian.ProcessName.of("$LEDG")).backup() != null);

        GuardianCli.Result xfer = cli.run("send", "ledg", "XFER t1 1 2 30");
        assertOk(xfer);
        assertThat(xfer.out()).startsWith("OK t1 70 130 \\" + cluster.config().nodeName() + ".$:1:");

        java.io.InputStream stdin = System.in;
        GuardianCli.Result lines;
        try {
            System.setIn(new java.io.ByteArrayInputStream("BAL 1\nXFER t1 1 2 30\nTOTAL\ngarbage\n".getBytes(
                    java.nio.charset.StandardCharsets.UTF_8)));
            lines = cli.run("send", "$LEDG", "--json");
        } finally {
            System.setIn(stdin);
        }
        assertOk(lines);
        assertThat(jsonObjects(lines)).extracting(o -> o.getString("reply", null))
                .containsExactly("BAL 1 70", "DUP t1", "TOTAL 400 4 1", "ERR unknown request: garbage");
        assertThat(jsonObjects(lines)).extracting(o -> o.getLong("sync_id", 0)).containsExactly(1L, 2L, 3L, 4L);

        assertGuardianError(cli.run("send", "ledg", "x".repeat(org.openpair.guardian.ProcessFile.MAX_MESSAGE_BYTES + 1)), 22);
        // The ledger is untouched by the garbage and the refusals.
        GuardianCli.Result total = cli.run("send", "ledg", "TOTAL");
        assertOk(total);
        assertThat(total.out().strip()).isEqualTo("TOTAL 400 4 1");
        assertOk(cli.run("stop", "ledg", "--pair"));
        TestCluster.awaitCondition("$LEDG gone, both members", java.time.Duration.ofSeconds(30),
                () -> guardian.lookup(org.openpair.guardian.ProcessName.of("$LEDG")).isEmpty());
    }

    @Test
    @Order(6)
    void withoutFlags_statusFindsTheNodeTheConfigFileNames_andVariablesOverrideTheFile() throws IOException {
        Path dir = Files.createTempDirectory(cluster.logDir(), "config");
        Map<String, String> noEnv = Map.of();
        Files.writeString(dir.resolve("openpair.yaml"), "node: " + cluster.config().nodeName() + "\nbase-port: "
                + cluster.config().basePort() + "\n");
        GuardianCli.Result byFile = execute(sources(dir, noEnv), "cpus", "--json");
        assertOk(byFile);
        assertThat(jsonObjects(byFile)).extracting(o -> o.getInt("cpu", -1)).containsExactly(0, 1);

        // The file names a node nobody runs; the variables name this one and win.
        int nobody = TestPorts.freeBlock(16);
        Files.writeString(dir.resolve("openpair.yaml"), "node: NOBODY\nbase-port: " + nobody + "\n");
        Map<String, String> env = Map.of("OPENPAIR_NODE", cluster.config().nodeName(),
                "OPENPAIR_BASE_PORT", String.valueOf(cluster.config().basePort()));
        assertOk(execute(sources(dir, env), "status"));
        GuardianCli.Result fileOnly = execute(sources(dir, noEnv), "status");
        assertThat(fileOnly.exitCode()).as("%s", fileOnly).isEqualTo(3);
        assertThat(fileOnly.err()).contains("NOBODY").contains("[exit 3]");
    }

    @Test
    @Order(7)
    void aBadVariable_isAUsageError_andTheNextGoodCallStillServes() throws IOException {
        Path dir = Files.createTempDirectory(cluster.logDir(), "config");
        GuardianCli.Result bad = execute(sources(dir, Map.of("OPENPAIR_NODE", cluster.config().nodeName(),
                "OPENPAIR_BASE_PORT", "not-a-port")), "status");
        assertThat(bad.exitCode()).as("%s", bad).isEqualTo(2);
        assertThat(bad.err()).startsWith("OPENPAIR_BASE_PORT='not-a-port' is refused").doesNotContain("\tat ");
        assertOk(execute(sources(dir, Map.of("OPENPAIR_NODE", cluster.config().nodeName(),
                "OPENPAIR_BASE_PORT", String.valueOf(cluster.config().basePort()))), "status"));
    }

    @Test
    @Order(8)
    void aGuardianOptionAfterProgram_goesToTheProgram_withOneWarningLine() throws IOException {
        GuardianCli.Result run = cli.run("run", "--name", "args", "--cpu", "1",
                "sh", "-c", "echo \"args: $0 $*\"; exec sleep 600", "--cpu", "0");
        assertOk(run);
        assertThat(run.out()).contains("cpu,pin 1,");
        assertThat(run.err().lines().toList()).containsExactly("guardian: warning: '--cpu' after PROGRAM is passed "
                + "to the program; put guardian options before PROGRAM");
        ProcessInfo info = guardian.lookup(ProcessName.of("$ARGS")).orElseThrow();
        Path log = Path.of(info.logFile());
        TestCluster.awaitCondition("the program's arguments in its log", java.time.Duration.ofSeconds(30),
                () -> contains(log, "args: --cpu 0"));
        assertOk(cli.run("stop", "args"));
    }

    @Test
    @Order(9)
    void status_inANewJvm_whereNoNodeRuns_printsOneLineNamingExit3() throws Exception {
        Path dir = Files.createTempDirectory(cluster.logDir(), "nonode");
        int base = TestPorts.freeBlock(16);
        Path config = Files.writeString(dir.resolve("nobody.yaml"), "node: NOBODY\nbase-port: " + base + "\n");
        ProcessBuilder pb = new ProcessBuilder(TestCluster.guardianJvmCommand(List.of("status")))
                .directory(dir.toFile())
                .redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().keySet().removeIf(k -> k.startsWith("OPENPAIR_"));
        pb.environment().put("OPENPAIR_CONFIG", config.toString());
        Process p = pb.start();
        try {
            assertThat(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).as("guardian status exited").isTrue();
        } finally {
            p.destroyForcibly();
        }
        List<String> err = Files.readAllLines(dir.resolve("err"));
        assertThat(p.exitValue()).as("exit code; stderr %s", err).isEqualTo(3);
        assertThat(err).containsExactly("guardian: node \\NOBODY is not running: no CPU answers at 127.0.0.1:" + base
                + "-" + (base + 15) + " (connection refused); start one with 'guardian node up' [exit 3]");
        assertThat(Files.readString(dir.resolve("out"))).isEmpty();
    }

    /**
     * The operator's complaint: the command printed the engine's warnings. Over the engine, against
     * the running node, the command's stderr is empty, though the engine's client logs its start
     * and its attempts (a refused connection to one of the CPUs 2-15 the node does not run is a
     * WARNING): the same command with the client opened ({@code -Dopenpair.log.fine=com.hazelcast.client})
     * shows those lines on stderr, so the check would see one that got through.
     */
    @Test
    @Order(10)
    void overTheEngine_stderrCarriesNoEngineLine_thoughTheEngineLogs() throws Exception {
        Path dir = Files.createTempDirectory(cluster.logDir(), "engine-lines");
        // The node's name and ports with a run directory holding no socket: the command takes the engine.
        Path noSockets = Files.createDirectory(dir.resolve("run"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        List<String> live = List.of("status", "--node", cluster.config().nodeName(), "--base-port",
                String.valueOf(cluster.config().basePort()), "--run-dir", noSockets.toString());
        String openEngine = "-D" + org.openpair.emulator.launch.Logging.FINE_PROPERTY + "=com.hazelcast.client";

        JvmRun opened = guardianJvm(dir.resolve("opened"), live, openEngine);
        assertThat(opened.exit()).as("exit code; stderr %s", opened.err()).isZero();
        assertThat(engineLines(opened.err())).as("the engine's lines with its client opened\n%s", opened.err())
                .anySatisfy(l -> assertThat(l).contains("Trying to connect to cluster"));

        JvmRun quiet = guardianJvm(dir.resolve("quiet"), live);
        assertThat(quiet.exit()).as("exit code; stderr %s", quiet.err()).isZero();
        assertThat(quiet.out()).startsWith("NAME ");
        assertThat(quiet.err()).as("stderr of guardian status over the engine").isEmpty();
    }

    private record JvmRun(int exit, String out, String err) {
    }

    /** {@code guardian ARGS} as a JVM of its own, with the harness's flags and class path and {@code jvmFlags}. */
    private static JvmRun guardianJvm(Path dir, List<String> args, String... jvmFlags) throws Exception {
        Files.createDirectories(dir);
        List<String> command = new java.util.ArrayList<>(TestCluster.guardianJvmCommand(args));
        command.addAll(command.indexOf("-cp"), List.of(jvmFlags));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().keySet().removeIf(k -> k.startsWith("OPENPAIR_") || k.equals("GUARDIAN_LOG"));
        pb.environment().put("OPENPAIR_CONFIG", "/dev/null");
        Process p = pb.start();
        try {
            assertThat(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).as("guardian %s exited", args).isTrue();
        } finally {
            p.destroyForcibly();
        }
        return new JvmRun(p.exitValue(), Files.readString(dir.resolve("out")), Files.readString(dir.resolve("err")));
    }

    /** The lines of {@code text} the engine wrote: it marks each with its version, {@code [5.7.0]}. */
    private static List<String> engineLines(String text) {
        String version = "] [" + com.hazelcast.instance.BuildInfoProvider.getBuildInfo().getVersion() + "] ";
        return text.lines().filter(l -> l.contains(version)).toList();
    }

    private static boolean contains(Path file, String text) {
        try {
            return Files.exists(file) && Files.readString(file).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    private static ConfigSources sources(Path dir, Map<String, String> env) {
        return new ConfigSources(dir, dir.resolve("home"), env, dir.resolve("etc"));
    }

    /** {@code guardian ARGS...} in this JVM, its config file and variables from {@code sources} only. */
    private static GuardianCli.Result execute(ConfigSources sources, String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cl = GuardianCommand.commandLine(sources);
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        int code = cl.execute(args);
        cl.getOut().flush();
        cl.getErr().flush();
        return new GuardianCli.Result(code, out.toString(), err.toString());
    }

    @Test
    @Order(100)
    void afterAllTheBadInput_bothCpusStillServe() {
        cluster.awaitCpusUp(0, 1);
        for (int cpu = 0; cpu < 2; cpu++) {
            assertThat(cluster.isRunning(cpu)).isTrue();
            ProcessHandle h = guardian.processSpawn(SpawnRequest.of(Program.hosted(WaitForStop.class))
                    .name("$OK" + cpu).cpu(cpu).build());
            assertThat(h.cpu()).isEqualTo(cpu);
            guardian.processStop(h);
            assertThat(guardian.termination(h)).map(Termination::completionCode).contains(6);
        }
        GuardianCli.Result cpus = cli.run("cpus", "--json");
        assertOk(cpus);
        assertThat(jsonObjects(cpus)).extracting(o -> o.getInt("cpu", -1)).containsExactly(0, 1);
    }

    private static void assertOk(GuardianCli.Result r) {
        assertThat(r.exitCode()).as("exit code\n%s", r).isZero();
        assertThat(r.err()).as("stderr\n%s", r).doesNotContain("\tat ");
    }

    private static void assertGuardianError(GuardianCli.Result r, int error) {
        assertThat(r.exitCode()).as("exit code\n%s", r).isEqualTo(1);
        assertThat(r.err()).as("stderr\n%s", r).startsWith("guardian: error " + error + " ").doesNotContain("\tat ");
        assertThat(r.out()).as("stdout\n%s", r).isEmpty();
    }

    private static List<JsonObject> jsonObjects(GuardianCli.Result r) {
        return r.outLines().stream().map(line -> {
            JsonValue v = Json.parse(line);
            assertThat(v.isObject()).as("a JSON object per line: %s", line).isTrue();
            return v.asObject();
        }).toList();
    }
}
