package org.openpair.emulator.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cli.GuardianCommand;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;

import picocli.CommandLine;

/**
 * Users' programs from class paths: a program's own ({@link SpawnRequest#classPath()}, {@code run
 * --class-path}) and the CPU's ({@code NodeConfig.classPath()}), each program with a class
 * loader of its own. The programs are compiled here, from source, into jars that exist nowhere
 * else: {@code userapp.Versioned} in three versions (v1.jar, v2.jar and the CPU's class
 * directory), each jar with its own {@code picocli.CommandLine}, a class the CPU itself has in
 * another shape. A program answers one request with its version, the picocli it sees and whether
 * it sees Hazelcast, so an answer says which classes it runs with.
 *
 * <p>The node has CPUs 0 and 1 in this JVM, whose class path is the CPU directory.
 */
class ClassPathTest {
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final String PROGRAM = "userapp.Versioned";
    private static EmbeddedNode node;
    private static Guardian g;
    private static Path dir;
    private static Path v1;
    private static Path v2;
    private static Path cpuClasses;

    @BeforeAll
    static void start() throws IOException {
        // Under target/, so the command-line test can name a jar by a path relative to the working directory.
        Path target = Path.of("target").toAbsolutePath();
        Files.createDirectories(target);
        dir = Files.createTempDirectory(target, "classpath-test");
        v1 = jar(compile("v1"), dir.resolve("v1.jar"));
        v2 = jar(compile("v2"), dir.resolve("v2.jar"));
        cpuClasses = compile("cpu");
        node = EmbeddedNode.start(TestNodes.config(2).classPath(List.of(cpuClasses.toString())).build(), 2);
        g = node.cpu(0).guardian();
    }

    @AfterAll
    static void close() {
        if (node != null) {
            node.close();
        }
    }

    /** After each test: nothing is left, and both CPUs still run a user's program from its jar. */
    @AfterEach
    void nothingHarmed() {
        for (ProcessInfo p : g.processes()) {
            g.processStop(p.handle());
        }
        for (int cpu = 0; cpu < 2; cpu++) {
            ProcessHandle h = g.processSpawn(SpawnRequest.of(Program.hosted(PROGRAM)).name("$OK").cpu(cpu)
                    .classPath(List.of(v2.toString())).build());
            assertThat(ask("$OK")).startsWith("v2 ");
            g.processStop(h);
        }
        TestNodes.await("no process left", BOUND, () -> g.processes().isEmpty());
    }

    @Test
    void twoVersionsOfOneClass_onOneCpu_eachAnswersWithItsOwn_andNeitherSeesTheEmulatorsLibraries() throws IOException {
        Path solo = Files.copy(v1, dir.resolve("solo.jar"));
        ProcessHandle a = spawnHosted("$VA", 0, solo);
        spawnHosted("$VB", 0, v2);

        assertThat(ask("$VA")).isEqualTo("v1 picocli=user-v1 hazelcast=hidden");
        assertThat(ask("$VB")).isEqualTo("v2 picocli=user-v2 hazelcast=hidden");
        assertThat(openDescriptors(solo)).as("the running program's loader holds its jar").isPositive();

        g.processStop(a);
        TestNodes.await("the ended program's loader closed its jar", BOUND, () -> openDescriptors(solo) == 0);
        assertThat(ask("$VB")).as("the other version is untouched").startsWith("v2 ");
    }

    @Test
    void cpuClassPath_servesAProgramWithoutItsOwn_andAProgramsOwnComesFirst() {
        g.processSpawn(SpawnRequest.of(Program.hosted(PROGRAM)).name("$VC").cpu(1).build());
        spawnHosted("$VD", 1, v1);
        // In neither class path and none of its own: the CPU's own classes, as before class paths existed.
        g.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class)).name("$VE").cpu(1).build());

        assertThat(ask("$VC")).isEqualTo("cpu picocli=user-cpu hazelcast=hidden");
        assertThat(ask("$VD")).isEqualTo("v1 picocli=user-v1 hazelcast=hidden");
        assertThat(g.lookup(ProcessName.of("$VE"))).isPresent();
    }

    @Test
    void javaProgram_fromAUserJar_runsWithTheApiAndItsJarOnly() {
        g.processSpawn(SpawnRequest.of(Program.java(PROGRAM)).name("$VJ").cpu(1).classPath(List.of(v1.toString()))
                .build());
        assertThat(ask("$VJ")).isEqualTo("v1 picocli=user-v1 hazelcast=hidden");
    }

    @Test
    void pair_backupGetsItsPrimarysClassPath_andTakesOverWithIt() {
        ProcessHandle primary = g.processSpawn(SpawnRequest.of(Program.hosted(PROGRAM)).name("$VP").cpu(0)
                .classPath(List.of(v1.toString())).args("pair").build());
        ProcessName name = ProcessName.of("$VP");
        TestNodes.await("$VP has a backup", BOUND, () -> g.processGetPairInfo(name).backup() != null);
        assertThat(ask("$VP")).startsWith("v1 ");

        g.processStop(primary);
        TestNodes.await("the backup took over", BOUND, () -> {
            PairInfo p = g.processGetPairInfo(name);
            return p.primary() != null && p.primary().cpu() == 1;
        });
        assertThat(ask("$VP")).isEqualTo("v1 picocli=user-v1 hazelcast=hidden");
    }

    @Test
    void missingEntry_is11_withThePathNamed_hostedOrJava() {
        String missing = dir.resolve("absent.jar").toString();
        for (Program p : List.of(Program.hosted(PROGRAM), Program.java(PROGRAM))) {
            assertError(11, missing, () -> g.processSpawn(SpawnRequest.of(p).name("$BAD").cpu(1)
                    .classPath(List.of(v1.toString(), missing)).build()));
        }
        assertThat(g.lookup(ProcessName.of("$BAD"))).isEmpty();
    }

    @Test
    void entryNeitherJarNorDirectory_is2_withThePathNamed() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.jar"), "not a zip");
        assertError(2, text.toString(), () -> g.processSpawn(SpawnRequest.of(Program.hosted(PROGRAM)).cpu(1)
                .classPath(List.of(text.toString())).build()));
    }

    @Test
    void classNotInItsClassPath_is11_evenIfTheCpuHasItAmongItsOwn_andTheLoaderIsClosed() throws IOException {
        Path refused = Files.copy(v1, dir.resolve("refused.jar"));
        assertError(11, "no.such.Program", () -> g.processSpawn(SpawnRequest.of(Program.hosted("no.such.Program"))
                .cpu(1).classPath(List.of(refused.toString())).build()));
        assertError(11, TestPrograms.WaitsForStop.class.getName(), () -> g.processSpawn(SpawnRequest.of(
                Program.java(TestPrograms.WaitsForStop.class)).cpu(0).classPath(List.of(refused.toString())).build()));
        // A class of the jar that is no program: 2, as for the CPU's own classes.
        assertError(2, "picocli.CommandLine", () -> g.processSpawn(SpawnRequest.of(Program.hosted("picocli.CommandLine"))
                .cpu(1).classPath(List.of(refused.toString())).build()));
        assertThat(openDescriptors(refused)).as("a refused spawn's loader is closed").isZero();
    }

    @Test
    void blankOrRelativeEntry_isRefusedWith2BeforeItLeavesTheCaller() {
        assertError(2, "empty", () -> SpawnRequest.of(Program.hosted(PROGRAM)).classPath(List.of(" ")));
        assertError(2, "lib/v1.jar", () -> SpawnRequest.of(Program.hosted(PROGRAM)).classPath(List.of("lib/v1.jar")));
    }

    // ---- the command line ----------------------------------------------------------------

    @Test
    void cli_run_relativeClassPath_isResolvedHere_andTheProgramRuns() {
        Path relative = Path.of("").toAbsolutePath().relativize(v1);
        assertThat(relative.isAbsolute()).isFalse();
        Result r = guardian("run", "--node", g.nodeName(), "--base-port", basePort(), "--name", "vr", "--cpu", "1",
                "--class-path", relative.toString(), "--hosted", PROGRAM);
        assertThat(r.code).as(r.toString()).isZero();
        assertThat(ask("$VR")).isEqualTo("v1 picocli=user-v1 hazelcast=hidden");
        assertThat(g.processes()).singleElement().satisfies(p -> assertThat(p.program()).isEqualTo(Program.hosted(PROGRAM)));
    }

    @Test
    void cli_run_missingRelativeEntry_isError11NamingTheAbsolutePath_emptyEntryOrNoJavaProgram_isUsage() {
        Path missing = Path.of("").toAbsolutePath().relativize(dir.resolve("gone.jar"));
        Result r = guardian("run", "--node", g.nodeName(), "--base-port", basePort(), "--cpu", "1",
                "--class-path", missing.toString(), "--hosted", PROGRAM);
        assertThat(r.code).as(r.toString()).isEqualTo(1);
        assertThat(r.err).startsWith("guardian: error 11 ").contains(dir.resolve("gone.jar").toString());

        Result empty = guardian("run", "--node", g.nodeName(), "--base-port", basePort(),
                "--class-path", v1 + "::" + v2, "--hosted", PROGRAM);
        assertThat(empty.code).as(empty.toString()).isEqualTo(2);
        assertThat(empty.err).contains("--class-path has an empty entry");
        Result executable = guardian("run", "--node", g.nodeName(), "--base-port", basePort(),
                "--class-path", v1.toString(), "sleep", "1");
        assertThat(executable.code).as(executable.toString()).isEqualTo(2);
        assertThat(executable.err).contains("--class-path needs --hosted or --java");
    }

    @Test
    void cli_cpuStartOrNodeUp_refuseAMissingOrBadEntryBeforeStarting() throws IOException {
        // Other ports than the node's: were a check to pass by mistake, nothing would join it.
        String port = Integer.toString(org.openpair.emulator.config.LoopbackPorts.block(16));
        Result cpu = guardian("cpu", "start", "--cpu", "0", "--node", "NOPE", "--base-port", port,
                "--class-path", dir.resolve("absent").toString());
        assertThat(cpu.code).as(cpu.toString()).isEqualTo(1);
        assertThat(cpu.err).startsWith("guardian: error 11 ").contains(dir.resolve("absent").toString());

        Path text = Files.writeString(dir.resolve("plain.txt"), "x");
        Result up = guardian("node", "up", "--cpus", "1", "--node", "NOPE", "--base-port", port,
                "--class-path", text.toString());
        assertThat(up.code).as(up.toString()).isEqualTo(1);
        assertThat(up.err).startsWith("guardian: error 2 ").contains(text.toString());

        Result blank = guardian("node", "up", "--cpus", "1", "--node", "NOPE", "--base-port", port, "--class-path", "");
        assertThat(blank.code).as(blank.toString()).isEqualTo(2);

        // The config file's key, its relative entry taken from the file's directory.
        Path config = Files.writeString(dir.resolve("node.yaml"), "class-path: [v1.jar, lib/absent.jar]\n");
        Result fromFile = guardian("cpu", "start", "--cpu", "0", "--config", config.toString(), "--node", "NOPE",
                "--base-port", port);
        assertThat(fromFile.code).as(fromFile.toString()).isEqualTo(1);
        assertThat(fromFile.err).startsWith("guardian: error 11 ").contains(dir.resolve("lib/absent.jar").toString());
    }

    // ---- helpers -------------------------------------------------------------------------

    private static ProcessHandle spawnHosted(String name, int cpu, Path jar) {
        return g.processSpawn(SpawnRequest.of(Program.hosted(PROGRAM)).name(name).cpu(cpu)
                .classPath(List.of(jar.toString())).build());
    }

    /** The program's answer; retried while it is not serving yet (a Java program's JVM is starting). */
    private static String ask(String name) {
        AtomicReference<String> answer = new AtomicReference<>();
        TestNodes.await(name + " answers", BOUND, () -> {
            try {
                ProcessFile f = g.fileOpen(ProcessName.of(name), 0);
                try {
                    answer.set(new String(f.writeRead("version?".getBytes(StandardCharsets.UTF_8),
                            Duration.ofSeconds(10)), StandardCharsets.UTF_8));
                    return true;
                } finally {
                    f.close();
                }
            } catch (GuardianException e) {
                return false;
            }
        });
        return answer.get();
    }

    private static String basePort() {
        return Integer.toString(node.config().basePort());
    }

    /** How many of this JVM's file descriptors are open on {@code file}. */
    private static long openDescriptors(Path file) {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(file);
                } catch (IOException e) {
                    return false;  // closed while listed
                }
            }).count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertError(int error, String named, Runnable call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(GuardianException.class, e -> {
            assertThat(e.error()).as(e.getMessage()).isEqualTo(error);
            assertThat(e.getMessage()).contains(named);
        });
    }

    private record Result(int code, String out, String err) {
    }

    private static Result guardian(String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        CommandLine cl = GuardianCommand.commandLine();
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    // ---- the user's programs, compiled here ------------------------------------------------

    /** {@code userapp.Versioned} and a {@code picocli.CommandLine} of version {@code version}, compiled into a directory. */
    private static Path compile(String version) throws IOException {
        Path src = dir.resolve("src-" + version);
        Path classes = dir.resolve("classes-" + version);
        Files.createDirectories(src.resolve("userapp"));
        Files.createDirectories(src.resolve("picocli"));
        Files.createDirectories(classes);
        Path program = Files.writeString(src.resolve("userapp/Versioned.java"), """
                package userapp;

                import java.nio.charset.StandardCharsets;
                import java.time.Duration;
                import org.openpair.guardian.*;

                public class Versioned implements GuardianProgram {
                    @Override
                    public void run(ProcessContext ctx) {
                        if (ctx.role() == PairRole.BACKUP) {
                            ctx.awaitTakeover(null);
                        } else if (ctx.args().contains("pair")) {
                            ctx.createBackup(1, RestartPolicy.TEMPORARY);
                        }
                        Receive receive = ctx.openReceive(1, false);
                        while (!ctx.isStopRequested()) {
                            receive.readUpdate(Duration.ofMillis(100))
                                    .ifPresent(r -> r.reply(answer().getBytes(StandardCharsets.UTF_8)));
                        }
                    }

                    static String answer() {
                        String hazelcast;
                        try {
                            Class.forName("com.hazelcast.core.HazelcastInstance", false, Versioned.class.getClassLoader());
                            hazelcast = "visible";
                        } catch (ClassNotFoundException e) {
                            hazelcast = "hidden";
                        }
                        return "@V@ picocli=" + picocli.CommandLine.version() + " hazelcast=" + hazelcast;
                    }
                }
                """.replace("@V@", version));
        Path picocli = Files.writeString(src.resolve("picocli/CommandLine.java"), """
                package picocli;

                /** A user's own class of a name the emulator's picocli has too. */
                public class CommandLine {
                    public static String version() {
                        return "user-@V@";
                    }
                }
                """.replace("@V@", version));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        String api = Path.of(codeSource(GuardianProgram.class)).toString();
        java.io.ByteArrayOutputStream errors = new java.io.ByteArrayOutputStream();
        int rc = javac.run(null, null, errors, "--release", "17", "-cp", api, "-d", classes.toString(),
                program.toString(), picocli.toString());
        assertThat(rc).as("javac: %s", errors.toString(StandardCharsets.UTF_8)).isZero();
        return classes;
    }

    private static java.net.URI codeSource(Class<?> type) {
        try {
            return type.getProtectionDomain().getCodeSource().getLocation().toURI();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path jar(Path classes, Path jar) throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(classes)) {
            walk.filter(Files::isRegularFile).forEach(files::add);
        }
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out)) {
            for (Path f : files) {
                j.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                j.write(Files.readAllBytes(f));
                j.closeEntry();
            }
        }
        return jar;
    }
}
