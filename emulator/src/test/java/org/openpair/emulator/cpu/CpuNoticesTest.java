package org.openpair.emulator.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.link.CheckpointStream;
import org.openpair.emulator.link.LinkClient;
import org.openpair.emulator.link.LinkException;
import org.openpair.emulator.link.Verdict;
import org.openpair.emulator.names.Epochs;
import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.node.CpuTask;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.pairs.PairPrograms;
import org.openpair.emulator.procedures.NodeGuardian;
import org.openpair.emulator.procedures.PairUpgrade;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.SystemMessage;
import org.openpair.guardian.Takeover;

/**
 * Notifications between CPUs over the CPU link: a takeover is told that way, a notification that
 * arrives twice (the link and then the executor) changes nothing the second time, one that
 * arrives late does not make a switch return before the new primary acts, and what a CPU
 * cannot read is refused without harm.
 */
class CpuNoticesTest {
    private static final ProcessName CTR = ProcessName.of("$CTR");
    private EmbeddedNode node;
    private Guardian g;

    @BeforeEach
    void start() {
        PairPrograms.TAKEOVERS.clear();
        PairPrograms.MESSAGES.clear();
        PairPrograms.LAST_SENT.clear();
        PairPrograms.LAST_ACKED.clear();
        PairPrograms.RESULTS.clear();
        node = EmbeddedNode.start(TestNodes.config(3).build(), 3);
        g = node.cpu(0).guardian();
    }

    @AfterEach
    void close() {
        node.close();
    }

    @Test
    void takeover_isToldOverTheLink() {
        ProcessHandle primary = spawnCounter(0, "1", "temporary");
        ProcessHandle backup = awaitReadyPair().backup();
        long acceptedBefore = node.cpu(1).notices().accepted();

        g.processStop(primary);

        await("the takeover", () -> PairPrograms.TAKEOVERS.size() == 1);
        // CPU 0 named the pair and retired its stopped primary.
        assertThat(((Takeover) PairPrograms.TAKEOVERS.get(0)[0]).epoch()).isEqualTo(Epochs.next(Epochs.first(0), 0));
        assertThat(entry().primary()).isEqualTo(backup);
        assertThat(node.cpu(1).notices().accepted()).as("notices CPU 1 took from the link")
                .isGreaterThan(acceptedBefore);
    }

    @Test
    void staleRepeatOfAPromotion_promotesNobody() throws IOException {
        ProcessHandle a = spawnCounter(0, "1", "temporary");
        ProcessHandle b = awaitReadyPair().backup();
        g.switchPair(CTR);
        await("the first switch", () -> PairPrograms.TAKEOVERS.size() == 1);
        Takeover first = (Takeover) PairPrograms.TAKEOVERS.get(0)[0];
        // Each switch is decided by the primary's CPU: 0, then 1, then 0.
        long e2 = Epochs.next(Epochs.first(0), 0);
        long e3 = Epochs.next(e2, 1);
        long e4 = Epochs.next(e3, 0);
        assertThat(first.epoch()).isEqualTo(e2);
        awaitReadyPair();
        // A switch back before the demoted program has even noticed it is a backup would give it no takeover to see.
        await("the demoted " + a.cpuPin() + " to wait for a takeover",
                () -> PairPrograms.AWAITING.contains("$CTR@" + a.cpuPin()));
        g.switchPair(CTR);
        await("the second switch", () -> PairPrograms.TAKEOVERS.size() == 2);
        assertThat(entry().backup()).isEqualTo(b);
        assertThat(entry().epoch()).isEqualTo(e3);
        await("the demoted " + b.cpuPin() + " to wait for a takeover",
                () -> PairPrograms.AWAITING.contains("$CTR@" + b.cpuPin()));

        // The first promotion arrives again: the process it names is a backup again, at a later epoch.
        Verdict v = node.cpu(1).notices().receive(ByteBuffer.wrap(
                CpuNotices.encode(new CpuTask.Promote(b, first, null, null))));
        assertThat(v).isEqualTo(Verdict.ACCEPT);

        // A third switch promotes it for real: every takeover seen is a new epoch, none a replay.
        awaitReadyPair();
        g.switchPair(CTR);
        await("the third switch", () -> PairPrograms.TAKEOVERS.size() >= 3);
        assertThat(PairPrograms.TAKEOVERS).extracting(t -> ((Takeover) t[0]).epoch()).containsExactly(e2, e3, e4);
        assertThat(entry().primary()).isEqualTo(b);
    }

    /**
     * UpgradeIT's rare failure, made certain: the upgrade switched the pair, then asked the new
     * primary (a backup it had just made, on the upgrade's own CPU) to replace the old one, and
     * was refused with 210 (this process is the backup now) because the promotion that the
     * switch sends on its way had not arrived yet. Here CPU 0 holds the notifications it is sent
     * from the first catch-up on, so the promotion is as late as it may be.
     */
    @Test
    void upgrade_whoseSwitchPromotionIsLate_replacesTheOldPrimary() throws URISyntaxException {
        ProcessHandle primary = spawnCounter(1, "0", "temporary");
        ProcessHandle backup = awaitReadyPair().backup();
        assertThat(backup.cpu()).isEqualTo(0);
        // The in-JVM programs' own classes, as a new class path: the program loads from it.
        String classes = Path.of(PairPrograms.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
        NodeGuardian upgrader = (NodeGuardian) node.cpu(0).guardian();
        List<String> steps = new ArrayList<>();
        List<PairUpgrade.Step> done;
        try {
            done = upgrader.upgradePair(CTR, List.of(classes), step -> {
                if (step.step().equals("catch-up") && !steps.contains("catch-up")) {
                    node.cpu(0).notices().holdForTests();
                }
                steps.add(step.step());
            });
        } finally {
            node.cpu(0).notices().releaseForTests();
        }
        assertThat(done).extracting(PairUpgrade.Step::step)
                .containsExactly("check", "backup", "catch-up", "switch", "replace", "catch-up");
        awaitReadyPair();
        NameEntry after = entry();
        assertThat(after.primary().cpu()).as("the backup made on CPU 0 is the primary").isEqualTo(0);
        assertThat(List.of(after.primary(), after.backup())).doesNotContain(primary, backup);
    }

    @Test
    void backupDeath_toldTwice_reachesThePrimaryOnce() {
        ProcessHandle primary = spawnCounter(0, "1", "temporary");
        ProcessHandle backup = awaitReadyPair().backup();

        g.processStop(backup);
        await("the -101", () -> deletions() == 1);
        SystemMessage told = PairPrograms.MESSAGES.get("$CTR").stream().filter(m -> m.number() == -101)
                .findFirst().orElseThrow();

        node.cpu(0).localCalls().partnerDiedLocal(primary, backup, told);
        String me = "$CTR@" + primary.cpuPin();
        long sent = PairPrograms.LAST_SENT.get(me);
        // The program reads one system message per pass: a few passes later it has read all there are.
        await("five more passes of the primary", () -> PairPrograms.LAST_SENT.get(me) > sent + 5);
        assertThat(deletions()).isEqualTo(1);
    }

    @Test
    void unreadableNotices_areRefused_andTheCpuCarriesOn() throws IOException {
        NodeTables.CpuRecord cpu1 = new NodeTables(node.cpu(0).engine()).cpus().get(1);
        List<byte[]> bad = List.of(
                new byte[0],
                "not serialized at all".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                serialized("a string, not a CPU call"),
                serialized(new InetSocketAddress("127.0.0.1", 9)),
                serialized(nested(100)));
        try (LinkClient raw = LinkClient.connect("127.0.0.1", cpu1.linkPort(), node.config().nodeName(), 0)) {
            CheckpointStream notices = raw.open(CpuNotices.STREAM, 0, 1);
            for (byte[] payload : bad) {
                assertThatThrownBy(() -> notices.sendAndAwait(payload, Duration.ofSeconds(10)))
                        .isInstanceOfSatisfying(LinkException.class, e -> {
                            assertThat(e.kind()).isEqualTo(LinkException.Kind.REFUSED);
                            assertThat(e.reason()).contains(Verdict.HANDLER_FAILED);
                        });
            }
        }
        // CPU 1 still takes its notices: a takeover onto it works.
        ProcessHandle primary = spawnCounter(0, "1", "temporary");
        ProcessHandle backup = awaitReadyPair().backup();
        g.processStop(primary);
        await("the takeover", () -> PairPrograms.TAKEOVERS.size() == 1);
        assertThat(entry().primary()).isEqualTo(backup);
    }

    private ProcessHandle spawnCounter(int cpu, String backupCpu, String policy) {
        return g.processSpawn(SpawnRequest.of(Program.hosted(PairPrograms.Counter.class)).name(CTR).cpu(cpu)
                .args(backupCpu, policy).build());
    }

    private PairInfo awaitReadyPair() {
        await("a ready backup", () -> {
            NameEntry e = entry();
            return e != null && e.backup() != null && e.ready();
        });
        return g.processGetPairInfo(CTR);
    }

    private NameEntry entry() {
        return new NodeTables(node.cpu(0).engine()).names().get(CTR.toString());
    }

    private static long deletions() {
        return PairPrograms.MESSAGES.getOrDefault("$CTR", List.of()).stream().filter(m -> m.number() == -101).count();
    }

    private static byte[] serialized(Object o) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.toByteArray();
    }

    /** Lists inside lists, {@code depth} deep: past the filter's depth limit. */
    private static Serializable nested(int depth) {
        ArrayList<Object> outer = new ArrayList<>();
        ArrayList<Object> current = outer;
        for (int i = 0; i < depth; i++) {
            ArrayList<Object> inner = new ArrayList<>();
            current.add(inner);
            current = inner;
        }
        return outer;
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within 30 s");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
    }
}
