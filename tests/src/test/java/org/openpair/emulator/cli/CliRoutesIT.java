package org.openpair.emulator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.openpair.guardian.DeathPolicy;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.ProcessName;
import org.openpair.testing.GuardianCli;
import org.openpair.testing.TestCluster;

/**
 * Every subcommand that talks to a node, on both of the command's routes against a node of two
 * CPU JVMs: through a CPU's admin socket (the test's run directory, where the CPUs put them) and
 * through the engine (a run directory without sockets). In the package of
 * {@link NodeConnection}, which tells which route each call took.
 */
class CliRoutesIT {
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static TestCluster cluster;
    private static Guardian guardian;
    private static Path emptyRunDir;
    @org.junit.jupiter.api.io.TempDir
    static Path copies;

    @BeforeAll
    static void startNode() throws IOException {
        cluster = TestCluster.start(2);
        guardian = cluster.guardian();
        emptyRunDir = Files.createTempDirectory("openpair-run-empty-");
    }

    @AfterAll
    static void stopNode() throws IOException {
        if (cluster != null) {
            cluster.close();
        }
        if (emptyRunDir != null) {
            Files.deleteIfExists(emptyRunDir);
        }
    }

    /** The node's own options (its key file among them), with an empty run directory for the engine's route. */
    private static List<String> optionsFor(NodeConnection.Route route) {
        List<String> options = new java.util.ArrayList<>(cluster.nodeOptions());
        if (route != NodeConnection.Route.ADMIN_SOCKET) {
            options.set(options.indexOf("--run-dir") + 1, emptyRunDir.toString());
        }
        return options;
    }

    private static GuardianCli cliFor(NodeConnection.Route route) {
        return new GuardianCli(optionsFor(route));
    }

    /** Runs one command, which must succeed and must have taken {@code route}. */
    private static GuardianCli.Result ok(NodeConnection.Route route, GuardianCli cli, String sub, String... args) {
        NodeConnection.forgetLastRoute();
        GuardianCli.Result r;
        if (sub.equals("sem")) {
            // A nested subcommand: the node options go after 'sem list', not after 'sem'.
            List<String> line = new java.util.ArrayList<>(List.of(sub, args[0]));
            line.addAll(optionsFor(route));
            line.addAll(List.of(args).subList(1, args.length));
            r = GuardianCli.execute(line.toArray(String[]::new));
        } else {
            r = cli.run(sub, args);
        }
        assertThat(r.exitCode()).as("guardian %s %s: %s", sub, String.join(" ", args), r).isZero();
        assertThat(r.err()).as("guardian %s", sub).isEmpty();
        assertThat(NodeConnection.lastRoute()).as("the route of guardian %s", sub).isEqualTo(route);
        return r;
    }

    @Test
    void theCpusHaveTheirAdminSockets_inTheTestsRunDirectory() {
        Path dir = cluster.runDir().resolve(cluster.config().nodeName());
        assertThat(dir.resolve("cpu0.sock")).exists();
        assertThat(dir.resolve("cpu1.sock")).exists();
        assertThat(cluster.runDir().toString()).startsWith(System.getProperty("java.io.tmpdir"));
    }

    @ParameterizedTest
    @EnumSource(NodeConnection.Route.class)
    void everyNodeSubcommand_worksOnThisRoute(NodeConnection.Route route) {
        GuardianCli cli = cliFor(route);
        String tag = route == NodeConnection.Route.ADMIN_SOCKET ? "a" : "e";
        String node = cluster.config().nodeName();

        assertThat(ok(route, cli, "run", "--name", "r" + tag, "--cpu", "1", "sleep", "600").out())
                .startsWith("\\" + node + ".$R" + tag.toUpperCase(Locale.ROOT) + ":");
        assertThat(ok(route, cli, "status").out()).contains("$R" + tag.toUpperCase(Locale.ROOT));
        assertThat(ok(route, cli, "status", "--ended").exitCode()).isZero();
        ok(route, cli, "ppd");
        assertThat(ok(route, cli, "cpus").outLines()).hasSize(3);
        ok(route, cli, "kill", "--signal", "TERM", "$R" + tag);
        ProcessName killed = ProcessName.of("$R" + tag);
        TestCluster.awaitCondition("$R" + tag + " ended by its SIGTERM", BOUND, () -> guardian.lookup(killed).isEmpty());

        ok(route, cli, "run", "--name", "l" + tag, "--cpu", "1", "--hosted", "org.openpair.examples.LedgerServer",
                "0", "4", "100");
        ProcessName ledger = ProcessName.of("$L" + tag);
        TestCluster.awaitCondition("$L" + tag + "'s backup", BOUND, () -> guardian.processGetPairInfo(ledger).backup() != null);
        assertThat(ok(route, cli, "send", "l" + tag, "TOTAL").out()).startsWith("TOTAL 400 4");
        assertThat(ok(route, cli, "ppd", "l" + tag).out()).contains("$L" + tag.toUpperCase(Locale.ROOT));
        ok(route, cli, "switch", "l" + tag);
        TestCluster.awaitCondition("$L" + tag + " switched to CPU 0", BOUND,
                () -> guardian.processGetPairInfo(ledger).primary().cpu() == 0);
        assertThat(ok(route, cli, "send", "l" + tag, "XFER t1 1 2 30").out()).startsWith("OK t1 70 130");
        org.openpair.guardian.PairInfo before = guardian.processGetPairInfo(ledger);
        assertThat(ok(route, cli, "upgrade", "l" + tag, "--class-path", ledgerCopy().toString()).out())
                .contains("upgraded $L" + tag.toUpperCase(Locale.ROOT));
        org.openpair.guardian.PairInfo after = guardian.processGetPairInfo(ledger);
        assertThat(List.of(after.primary(), after.backup())).doesNotContain(before.primary(), before.backup());
        assertThat(ok(route, cli, "send", "l" + tag, "TOTAL").out()).startsWith("TOTAL 400 4 1");
        ok(route, cli, "stop", "l" + tag, "--pair");
        TestCluster.awaitCondition("$L" + tag + " gone", BOUND, () -> guardian.lookup(ledger).isEmpty());

        guardian.semaphoreCreate("sem" + tag, 1, DeathPolicy.ORPHAN);
        assertThat(ok(route, cli, "sem", "list", "sem" + tag).out()).contains("sem" + tag);
        ok(route, cli, "sem", "purge", "sem" + tag);
    }

    /** A class directory holding a copy of the ledger example, for {@code upgrade --class-path}. */
    private static Path ledgerCopy() {
        String file = "LedgerServer.class";
        try (java.io.InputStream in = org.openpair.examples.LedgerServer.class.getResourceAsStream(file)) {
            Path dir = Files.createTempDirectory(copies, "ledger-");
            Path target = Files.createDirectories(dir.resolve("org/openpair/examples"));
            Files.copy(in, target.resolve(file));
            return dir;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aKilledCpusStaleSocket_isSkipped_andReplacedWhenTheCpuComesBack() {
        // Killed with SIGKILL, CPU 0 leaves its socket file behind; the command moves on to CPU 1's.
        Path stale = cluster.runDir().resolve(cluster.config().nodeName()).resolve("cpu0.sock");
        GuardianCli cli = cliFor(NodeConnection.Route.ADMIN_SOCKET);
        cluster.kill9(0);
        try {
            assertThat(stale).exists();
            TestCluster.awaitCondition("CPU 0 gone from the CPU table", BOUND,
                    () -> guardian.cpus().stream().noneMatch(c -> c.cpu() == 0));
            assertThat(ok(NodeConnection.Route.ADMIN_SOCKET, cli, "cpus").outLines()).hasSize(2);
        } finally {
            cluster.restart(0);
        }
        assertThat(stale).exists();
        assertThat(ok(NodeConnection.Route.ADMIN_SOCKET, cli, "cpus").outLines()).hasSize(3);
    }
}
