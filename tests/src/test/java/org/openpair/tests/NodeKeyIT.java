package org.openpair.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openpair.emulator.cluster.Engine;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.link.LinkClient;
import org.openpair.emulator.link.LinkException;
import org.openpair.emulator.link.LinkOptions;
import org.openpair.emulator.link.Verdict;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.security.NodeKey;
import org.openpair.guardian.CpuInfo;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.testing.GuardianCli;
import org.openpair.testing.TestCluster;

/**
 * A node with a key, its CPUs in JVMs of their own launched with {@code --key-file}: a pair runs
 * end to end through the command; a command, a link client or a CPU JVM without the key or with
 * another is refused (48, "node key mismatch" in the refusing CPU's log) and the node's CPUs,
 * processes and status are unchanged; a key file others may read stops {@code cpu start} with 48
 * before anything starts. A node without a key says so once at start, and still serves.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeKeyIT {
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final Duration EXIT_BOUND = Duration.ofSeconds(120);
    private static TestCluster cluster;
    private static Guardian guardian;
    private static GuardianCli cli;
    private static Path keyFile;

    @BeforeAll
    static void start() {
        cluster = TestCluster.builder().cpus(2).nodeKey(true).start();
        guardian = cluster.guardian();
        cli = cluster.cli();
        List<String> options = cluster.nodeOptions();
        keyFile = Path.of(options.get(options.indexOf("--key-file") + 1));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void theCpuJvms_proveTheKey_andAPairRunsEndToEndThroughTheCommand() throws IOException {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
        String fingerprint = NodeKey.load(keyFile).fingerprint();
        assertThat(Files.readString(cluster.cpuOutput(1))).contains("node key " + fingerprint);

        GuardianCli.Result run = cli.run("run", "--name", "ledg", "--cpu", "1", "--hosted",
                "org.openpair.examples.LedgerServer", "0", "4", "100");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        TestCluster.awaitCondition("the ledger's backup on CPU 0", BOUND,
                () -> guardian.processGetPairInfo(ProcessName.of("$LEDG")).backup() != null);
        GuardianCli.Result xfer = cli.run("send", "ledg", "XFER t1 1 2 30");
        assertThat(xfer.exitCode()).as(xfer.toString()).isZero();
        assertThat(xfer.out()).startsWith("OK t1 70 130");
        GuardianCli.Result total = cli.run("send", "ledg", "TOTAL");
        assertThat(total.out().strip()).isEqualTo("TOTAL 400 4 1");
    }

    @Test
    @Order(2)
    void aCommandWithoutTheKey_orWithAnother_isRefusedWith48_andTheNodeIsUnchanged() throws IOException {
        String before = status();
        List<String> keyless = new ArrayList<>(cluster.nodeOptions());
        int at = keyless.indexOf("--key-file");
        keyless.remove(at + 1);
        keyless.remove(at);
        for (GuardianCli other : List.of(new GuardianCli(keyless), new GuardianCli(withKeyFile(otherKey("other.key"))))) {
            GuardianCli.Result r = other.run("status");
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.err()).contains("48").contains("node key mismatch");
            GuardianCli.Result send = other.run("send", "ledg", "XFER t2 1 2 30");
            assertThat(send.exitCode()).as(send.toString()).isEqualTo(1);
        }
        assertThat(status()).isEqualTo(before);
        assertThat(cli.run("send", "ledg", "TOTAL").out().strip()).isEqualTo("TOTAL 400 4 1");
    }

    @Test
    @Order(3)
    void aLinkClientWithoutTheKey_orWithAnother_isRefusedOnACpuJvmsLinkPort_andTheCpuLogsIt() throws IOException {
        Engine engine = Engine.startClient(org.openpair.emulator.cpu.NodeEngineSettings.of(cluster.config()),
                BOUND.toMillis());
        NodeTables.CpuRecord cpu0;
        try {
            cpu0 = new NodeTables(engine).cpus().get(0);
        } finally {
            engine.shutdown();
        }
        String host = NodeConfig.hostOf(cpu0.address());
        String node = cluster.config().nodeName();
        assertKeyMismatch(() -> LinkClient.connectAsRequester(host, cpu0.linkPort(), node, Duration.ofSeconds(5)));
        assertKeyMismatch(() -> LinkClient.connect(host, cpu0.linkPort(), node, 1,
                LinkOptions.defaults().withKey(NodeKey.random())));
        TestCluster.awaitCondition("CPU 0 logs the mismatch", BOUND,
                () -> output(0).contains("node key mismatch") && output(0).contains(host));
        try (LinkClient good = LinkClient.connectAsRequester(host, cpu0.linkPort(), node, Duration.ofSeconds(5),
                NodeKey.load(keyFile))) {
            assertThat(good.isUp()).isTrue();
        }
        assertThat(cli.run("send", "ledg", "TOTAL").out().strip()).isEqualTo("TOTAL 400 4 1");
    }

    @Test
    @Order(4)
    void aKeyFileOthersMayRead_stopsCpuStartWith48_beforeAnythingStarts() throws IOException {
        Path open = cluster.logDir().resolve("open.key");
        Files.copy(keyFile, open);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        int members = cluster.memberCount();
        GuardianCli.Result r = GuardianCli.executeInNewJvm(cluster.logDir().resolve("open-key"), EXIT_BOUND,
                withKeyFile(cluster.cpuStartArgs(1), open).toArray(String[]::new));
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("48").contains("chmod 600");
        assertThat(r.out()).doesNotContain("is up");
        assertThat(cluster.memberCount()).isEqualTo(members);
    }

    @Test
    @Order(5)
    void aCpuJvmWithAnotherKey_exitsWith48_theNodeIsUnchanged_andTheRightKeyRejoins() throws IOException {
        cluster.kill9(1);
        cluster.awaitCpusDown(1);
        // Settled, not only taken over: the survivor retires CPU 1's processes, and the promoted
        // member takes the pair's creator as its ancestor, each a moment after the takeover.
        TestCluster.awaitCondition("the ledger on CPU 0 alone, CPU 1's processes retired, the new primary's "
                + "ancestor the pair's creator", BOUND, () -> {
                    PairInfo pair = guardian.processGetPairInfo(ProcessName.of("$LEDG"));
                    List<ProcessInfo> all = guardian.processes();
                    return pair.primary() != null && pair.primary().cpu() == 0
                            && all.stream().noneMatch(p -> p.handle().cpu() == 1)
                            && all.stream().anyMatch(p -> p.handle().equals(pair.primary())
                                    && Objects.equals(p.ancestor(), pair.ancestor()));
                });
        String before = status();
        Set<Integer> up = cpusUp();

        GuardianCli.Result r = GuardianCli.executeInNewJvm(cluster.logDir().resolve("wrong-key"), EXIT_BOUND,
                withKeyFile(cluster.cpuStartArgs(1), otherKey("wrong.key")).toArray(String[]::new));
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("48").contains("node key mismatch");
        cluster.awaitMemberCount(1);
        assertThat(cpusUp()).isEqualTo(up);
        assertThat(status()).isEqualTo(before);
        assertThat(cli.run("send", "ledg", "TOTAL").out().strip()).isEqualTo("TOTAL 400 4 1");

        cluster.restart(1);
        TestCluster.awaitCondition("the ledger's new backup on CPU 1", BOUND,
                () -> guardian.processGetPairInfo(ProcessName.of("$LEDG")).backup() != null);
        assertThat(cli.run("send", "ledg", "TOTAL").out().strip()).isEqualTo("TOTAL 400 4 1");
    }

    @Test
    @Order(6)
    void aNodeWithoutAKey_warnsOnceAtStart_andServesAKeylessCommand() throws IOException {
        try (TestCluster plain = TestCluster.builder().cpus(1).nodeKey(false).start()) {
            assertThat(plain.nodeOptions()).doesNotContain("--key-file");
            String out = Files.readString(plain.cpuOutput(0));
            assertThat(out).contains("WARNING").contains("runs without a node key");
            assertThat(out.split("runs without a node key", -1)).hasSize(2);
            GuardianCli.Result r = plain.cli().run("cpus");
            assertThat(r.exitCode()).as(r.toString()).isZero();
        }
    }

    private static String output(int cpu) {
        try {
            return Files.readString(cluster.cpuOutput(cpu));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static Set<Integer> cpusUp() {
        return guardian.cpus().stream().map(CpuInfo::cpu).collect(Collectors.toSet());
    }

    /** What status shows of the node's processes: names, handles, CPUs and pair roles. */
    private static String status() {
        return guardian.processes().stream().map(ProcessInfo::toString).sorted().collect(Collectors.joining("\n"));
    }

    private static Path otherKey(String name) {
        Path f = cluster.logDir().resolve(name);
        if (!Files.exists(f)) {
            NodeKey.random().writeNew(f);
        }
        return f;
    }

    private static List<String> withKeyFile(Path file) {
        return withKeyFile(cluster.nodeOptions(), file);
    }

    private static List<String> withKeyFile(List<String> args, Path file) {
        List<String> out = new ArrayList<>(args);
        out.set(out.indexOf("--key-file") + 1, file.toString());
        return out;
    }

    private static void assertKeyMismatch(org.assertj.core.api.ThrowableAssert.ThrowingCallable connect) {
        assertThatThrownBy(connect).isInstanceOfSatisfying(LinkException.class, e -> {
            assertThat(e.kind()).isEqualTo(LinkException.Kind.REFUSED);
            assertThat(e.reason()).contains(Verdict.KEY_MISMATCH);
        });
    }
}
