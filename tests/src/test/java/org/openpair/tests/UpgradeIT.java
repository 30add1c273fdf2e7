package org.openpair.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openpair.emulator.cluster.Engine;
import org.openpair.emulator.cpu.NodeEngineSettings;
import org.openpair.emulator.node.CpuRouter;
import org.openpair.emulator.node.CpuTask;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.testing.GuardianCli;
import org.openpair.testing.TestCluster;
import org.openpair.testing.programs.VersionedLedger;

/**
 * {@code guardian upgrade} on three CPU JVMs: a ledger pair in two versions (one class copied
 * into two directories, each with its version beside it), upgraded under four clients, loses
 * no acknowledged transfer, and answers from the new version afterwards; the longest time the
 * clients went without an answer is printed. A new version that does not start stops the
 * upgrade before the switch; a half-upgraded pair is finished without replacing its new
 * member; and every bad input leaves the running pair as it was.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class UpgradeIT {
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final String PROGRAM = VersionedLedger.class.getName();
    private static final long SEED = Long.getLong("upgrade.seed", System.nanoTime());

    @TempDir
    static Path dirs;
    private static Path v1;
    private static Path v2;
    private static Path broken;
    private static TestCluster cluster;
    private static Guardian g;
    private static GuardianCli cli;

    @BeforeAll
    static void startNode() {
        v1 = versionDir("v1");
        v2 = versionDir("v2");
        broken = versionDir("broken");
        cluster = TestCluster.builder().cpus(3).start();
        g = cluster.guardian();
        cli = cluster.cli();
    }

    @AfterAll
    static void stopNode() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void upgradeUnderTraffic_losesNoAcknowledgedTransfer_andTheNewVersionAnswersAfterIt() throws Exception {
        ProcessName name = ProcessName.of("$UPG");
        PairInfo before = startPair(name, v1);
        assertThat(version(name)).isEqualTo("v1");
        System.out.println("UpgradeIT seed " + SEED + " (-Dupgrade.seed to replay)");
        Random random = new Random(SEED);
        List<LedgerClients.Client> clients = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            clients.add(new LedgerClients.Client("u" + c, g, name, 10, new Random(random.nextLong())));
        }
        clients.forEach(LedgerClients.Client::start);
        GuardianCli.Result upgrade;
        long upgradeStarted;
        long upgradeEnded;
        int ackedAtEnd;
        try {
            LedgerClients.awaitAcked(clients, 200);
            upgradeStarted = System.nanoTime();
            upgrade = cli.run("upgrade", name.toString(), "--class-path", v2.toString(), "--probe", "VERSION");
            upgradeEnded = System.nanoTime();
            System.out.println("UpgradeIT: guardian upgrade printed:\n" + upgrade.out() + upgrade.err());
            assertThat(upgrade.exitCode()).as(upgrade.toString()).isZero();
            ackedAtEnd = LedgerClients.acked(clients);
            // Every client is answered by the new version once the upgrade is done.
            TestCluster.awaitCondition("every client to be answered by v2", BOUND, () -> {
                LedgerClients.awaitAcked(clients, 0);
                return clients.stream().allMatch(c -> c.lastReply != null && c.lastReply.endsWith(" v2"));
            });
            LedgerClients.awaitAcked(clients, LedgerClients.acked(clients) + 100);
        } finally {
            for (LedgerClients.Client c : clients) {
                c.finish();
            }
        }
        List<String> problems = LedgerClients.checkLedger(g, name, 10_000_000L, clients);
        int acked = LedgerClients.acked(clients);
        long longestWait = clients.stream().mapToLong(c -> c.longestWaitNanos).max().orElse(0) / 1_000_000;
        long silence = LedgerClients.longestSilenceMillis(clients, upgradeStarted, upgradeEnded);
        System.out.printf("UpgradeIT: %d acknowledged transfers (%d by the end of the upgrade), %d acknowledged "
                        + "lost; longest unanswered gap %d ms (no client answered), longest wait of one request %d ms%n",
                acked, ackedAtEnd, problems.size(), silence, longestWait);
        assertThat(problems).as("seed " + SEED).isEmpty();

        assertThat(upgrade.out()).contains("check ", "backup ", "catch-up ", "switch ", "replace ",
                "upgraded " + name, "longest unanswered gap");
        PairInfo after = awaitReadyPair(name, null);
        assertThat(List.of(after.primary(), after.backup())).as("both members are new processes")
                .doesNotContain(before.primary(), before.backup());
        assertThat(after.epoch()).isGreaterThan(before.epoch());
        assertThat(version(name)).isEqualTo("v2");
        // The new backup runs the new version too: after a switch, it answers.
        g.switchPair(name);
        assertThat(version(name)).isEqualTo("v2");
        assertThat(g.processGetPairInfo(name).primary()).isEqualTo(after.backup());

        // Both replacements are in the event log, with the new class path.
        GuardianCli.Result events = cli.run("events");
        List<String> upgrades = events.out().lines().filter(l -> l.contains("Upgrade") && l.contains(name.toString()))
                .toList();
        assertThat(upgrades).as(events.out()).hasSize(2).allMatch(l -> l.contains(v2.toString()));

        // Again: both members are on the new class path already, so nothing is replaced.
        PairInfo settled = awaitReadyPair(name, null);
        GuardianCli.Result again = cli.run("upgrade", name.toString(), "--class-path", v2.toString());
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).contains("has it already").doesNotContain("switch ", "replace ");
        assertUntouched(name, settled, "v2");
        stop(name);
    }

    @Test
    void aNewVersionThatDoesNotStart_stopsBeforeTheSwitch_andTheOldPrimaryServesOn() {
        ProcessName name = ProcessName.of("$UPB");
        PairInfo before = startPair(name, v1);
        GuardianCli.Result r = cli.run("upgrade", name.toString(), "--class-path", broken.toString());
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).as(r.toString()).contains("error 2 ", "constructor of " + PROGRAM + " failed",
                "version 'broken' does not start", "stopped after check");
        PairInfo after = awaitReadyPair(name, before.primary());
        assertThat(after.epoch()).as("no switch").isEqualTo(before.epoch());
        assertThat(version(name)).isEqualTo("v1");
        // The backup the pair got back runs the old version: switched to, it answers v1.
        g.switchPair(name);
        assertThat(g.processGetPairInfo(name).primary()).isEqualTo(after.backup());
        assertThat(version(name)).isEqualTo("v1");

        // Run again with a version that starts, the upgrade finishes from there.
        GuardianCli.Result fixed = cli.run("upgrade", name.toString(), "--class-path", v2.toString());
        assertThat(fixed.exitCode()).as(fixed.toString()).isZero();
        awaitReadyPair(name, null);
        assertThat(version(name)).isEqualTo("v2");
        stop(name);
    }

    /**
     * An upgrade stopped after its first replacement leaves a pair whose backup runs the new
     * version; run again, the upgrade switches to that backup instead of replacing it, then
     * replaces the old primary.
     */
    @Test
    void aHalfUpgradedPair_isFinished_withoutReplacingTheMemberAlreadyOnTheNewVersion() {
        ProcessName name = ProcessName.of("$UPH");
        PairInfo before = startPair(name, v1);
        ProcessHandle fresh;
        // The upgrade's first step alone, as the CPU runs it for 'guardian upgrade'.
        Engine client = Engine.startClient(NodeEngineSettings.of(cluster.config()), BOUND.toMillis());
        try {
            CpuRouter router = new CpuRouter(new NodeTables(client), cluster.config(), null);
            fresh = router.call(before.primary().cpu(), new CpuTask.ReplaceBackup(before.primary(),
                    List.of(v2.toString())));
        } finally {
            client.shutdown();
        }
        PairInfo half = awaitReadyPair(name, before.primary());
        assertThat(half.backup()).isEqualTo(fresh).isNotEqualTo(before.backup());
        assertThat(version(name)).isEqualTo("v1");

        GuardianCli.Result r = cli.run("upgrade", name.toString(), "--class-path", v2.toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("backup " + fresh.cpuPin() + " has it already");
        assertThat(r.outLines()).as(r.out()).noneMatch(l -> l.startsWith("backup "))
                .anyMatch(l -> l.startsWith("switch ")).anyMatch(l -> l.startsWith("replace "));
        PairInfo after = awaitReadyPair(name, null);
        assertThat(after.primary()).as("the member already on v2 was switched to, not replaced").isEqualTo(fresh);
        assertThat(after.backup()).isNotEqualTo(before.primary());
        assertThat(version(name)).isEqualTo("v2");
        stop(name);
    }

    @Test
    void badInputs_areRefused_andLeaveTheRunningPairAsItWas() throws IOException {
        ProcessName name = ProcessName.of("$UPX");
        PairInfo pair = startPair(name, v1);
        Path notAJar = Files.writeString(dirs.resolve("not-a-jar.jar"), "not a zip file");
        Path empty = Files.createDirectories(dirs.resolve("empty"));

        expectRefused(name, pair, "error 14 ", "$NONE", "--class-path", v2.toString());
        GuardianCli.Result badName = cli.run("upgrade", "$TOOLONG", "--class-path", v2.toString());
        assertThat(badName.exitCode()).as(badName.toString()).isEqualTo(1);
        assertThat(badName.err()).contains("error 13 ");
        expectRefused(name, pair, "error 11 ", name.toString(), "--class-path", dirs.resolve("missing").toString());
        expectRefused(name, pair, "error 2 ", name.toString(), "--class-path", notAJar.toString());
        expectRefused(name, pair, "error 11 ", name.toString(), "--class-path", empty.toString());
        // A named process without a backup: an upgrade without downtime needs a pair.
        GuardianCli.Result single = cli.run("run", "--name", "$UPS", "--cpu", "1", "sleep", "600");
        assertThat(single.exitCode()).as(single.toString()).isZero();
        expectRefused(name, pair, "error 2 ", "$UPS", "--class-path", v2.toString());
        assertThat(cli.run("upgrade", "$UPS", "--class-path", v2.toString()).err()).contains("has no backup");
        // Usage errors: no class path, an empty entry.
        GuardianCli.Result noPath = cli.run("upgrade", name.toString());
        assertThat(noPath.exitCode()).as(noPath.toString()).isEqualTo(2);
        GuardianCli.Result emptyEntry = cli.run("upgrade", name.toString(), "--class-path", v2 + "::" + v1);
        assertThat(emptyEntry.exitCode()).as(emptyEntry.toString()).isEqualTo(2);
        assertUntouched(name, pair, "v1");
        stop(name);
        g.processStop(ProcessName.of("$UPS"));
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static void expectRefused(ProcessName pair, PairInfo before, String error, String... args) {
        GuardianCli.Result r = cli.run("upgrade", args);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).as(r.toString()).contains(error).contains("nothing changed");
        assertUntouched(pair, before, "v1");
    }

    /** The pair has the same members (PINs and verifiers), epoch and readiness, and answers as {@code version}. */
    private static void assertUntouched(ProcessName name, PairInfo before, String version) {
        PairInfo now = g.processGetPairInfo(name);
        assertThat(now.primary()).isEqualTo(before.primary());
        assertThat(now.backup()).isEqualTo(before.backup());
        assertThat(now.epoch()).isEqualTo(before.epoch());
        assertThat(now.backupReady()).isTrue();
        assertThat(version(name)).isEqualTo(version);
    }

    private static PairInfo startPair(ProcessName name, Path classPath) {
        g.processSpawn(SpawnRequest.of(Program.hosted(PROGRAM)).name(name.toString()).cpu(0).args("10", "1000000")
                .classPath(List.of(classPath.toString())).build());
        return awaitReadyPair(name, null);
    }

    private static void stop(ProcessName name) {
        g.processStop(g.processGetPairInfo(name).primary(), org.openpair.guardian.StopScope.PAIR);
    }

    private static String version(ProcessName name) {
        try (ProcessFile f = g.fileOpen(name, 1)) {
            String[] w = LedgerClients.ask(f, "VERSION").split(" ");
            assertThat(w[0]).isEqualTo("VERSION");
            return w[1];
        }
    }

    private static PairInfo awaitReadyPair(ProcessName name, ProcessHandle primary) {
        TestCluster.awaitCondition(name + " to have a backup ready to take over", BOUND, () -> {
            PairInfo p = g.processGetPairInfo(name);
            return p.backup() != null && p.backupReady() && (primary == null || primary.equals(p.primary()));
        });
        return g.processGetPairInfo(name);
    }

    /**
     * A class directory with the program's class (one class file: it has no nested classes) and
     * {@code version} beside it, read from wherever this JVM has the class (a jar in {@code verify}).
     */
    private static Path versionDir(String version) {
        String file = VersionedLedger.class.getSimpleName() + ".class";
        try (InputStream in = VersionedLedger.class.getResourceAsStream(file)) {
            assertThat(in).as(file + " on this JVM's class path").isNotNull();
            Path dir = dirs.resolve(version);
            Path target = Files.createDirectories(dir.resolve(VersionedLedger.class.getPackageName().replace('.', '/')));
            Files.copy(in, target.resolve(file));
            Files.writeString(dir.resolve(VersionedLedger.VERSION_RESOURCE), version + "\n");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
