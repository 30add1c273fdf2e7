package org.openpair.emulator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cluster.Engine;
import org.openpair.emulator.cluster.Table;
import org.openpair.emulator.config.ConfigSources;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.emulator.cpu.NodeEngineSettings;
import org.openpair.emulator.events.Event;
import org.openpair.emulator.events.EventLog;
import org.openpair.emulator.events.EventQuery;
import org.openpair.emulator.events.EventRecord;
import org.openpair.emulator.messages.MessagePrograms;
import org.openpair.emulator.names.Epochs;
import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.pairs.PairPrograms;
import org.openpair.emulator.process.TestPrograms;
import org.openpair.emulator.security.NodeKey;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.PairStatus;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;

import com.hazelcast.internal.json.Json;
import com.hazelcast.internal.json.JsonObject;

/**
 * The engine as untrusted storage, on a node of three CPUs in this JVM with a node key: an
 * attacker with the engine's own client and no key (as the operator's 15-line program) writes
 * straight into the name and CPU tables. A forged entry is refused everywhere; an altered,
 * removed or replayed entry of a live pair, and a CPU's forged record, are restored by the CPU
 * that holds their truth; the pair keeps answering from its true primary, STATUS never shows
 * two primaries, and nothing else changes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ForgedRecordsTest {
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final NodeKey key = NodeKey.random();
    private Path runDir;
    private EmbeddedNode node;
    private Guardian g;
    private Engine attacker;
    private Table<String, NameEntry> rawNames;
    private Table<Integer, NodeTables.CpuRecord> rawCpus;

    @BeforeAll
    void start() throws IOException {
        runDir = Files.createTempDirectory("opr-forged-");
        node = EmbeddedNode.start(TestNodes.config(3).runDir(runDir).nodeKey(key).build(), 3);
        g = node.cpu(2).guardian();
        attacker = Engine.startClient(NodeEngineSettings.of(node.config()), 20_000);
        rawNames = attacker.table(NodeTables.NAMES);
        rawCpus = attacker.table(NodeTables.CPUS);
    }

    @AfterAll
    void close() {
        attacker.shutdown();
        node.close();
    }

    private NodeTables keyedTables;

    /** The tables as a holder of the key reads them. */
    private NodeTables keyed() {
        if (keyedTables == null) {
            keyedTables = new NodeTables(node.cpu(2).engine(), Optional.of(key));
        }
        return keyedTables;
    }

    /**
     * The counter server {@code name} (it answers {@code inc}), once its backup is ready and the
     * primary's CPU holds the truth of its entry. It ends when it is switched to the backup.
     */
    private ProcessHandle server(EmbeddedNode on, String name, int primaryCpu, int backupCpu) {
        return pair(on, name, primaryCpu, Program.hosted(MessagePrograms.Server.class), Integer.toString(backupCpu), "1");
    }

    /** A pair that goes on through switches and takeovers (it counts in its checkpointed state), ready. */
    private ProcessHandle counter(EmbeddedNode on, String name, int primaryCpu, int backupCpu) {
        return pair(on, name, primaryCpu, Program.hosted(PairPrograms.Counter.class), Integer.toString(backupCpu),
                "temporary");
    }

    private ProcessHandle pair(EmbeddedNode on, String name, int primaryCpu, Program program, String... args) {
        ProcessHandle p = on.cpu(2).guardian().processSpawn(SpawnRequest.of(program).name(name).cpu(primaryCpu)
                .args(args).build());
        NodeTables tables = new NodeTables(on.cpu(2).engine(), Optional.of(key));
        TestNodes.await("a ready backup of " + name, BOUND, () -> {
            NameEntry e = tables.names().get(name);
            return e != null && e.backup() != null && e.ready();
        });
        awaitTruth(on, primaryCpu, name);
        return p;
    }

    private static void awaitTruth(EmbeddedNode on, int cpu, String name) {
        TestNodes.await("CPU " + cpu + " to hold the truth of " + name, BOUND,
                () -> on.cpu(cpu).recordRepair().holdsTruthOf(name));
    }

    private static long inc(Guardian through, String name) {
        try (ProcessFile f = through.fileOpen(ProcessName.of(name), 1)) {
            return ByteBuffer.wrap(f.writeRead("inc".getBytes(StandardCharsets.UTF_8), WAIT)).getLong();
        }
    }

    /** Everything the attack must leave as it was, but {@code except}: the name and CPU tables, the processes. */
    private record Snapshot(Map<String, NameEntry> names, Map<Integer, NodeTables.CpuRecord> cpus,
                            List<ProcessInfo> processes) {
    }

    private Snapshot snapshot(String exceptName, Integer exceptCpu) {
        NodeTables t = keyed();
        Map<String, NameEntry> names = new TreeMap<>(t.names().getAll(t.names().keySet()));
        names.keySet().removeIf(n -> n.equals(exceptName));
        Map<Integer, NodeTables.CpuRecord> cpus = new TreeMap<>(t.cpus().getAll(t.cpus().keySet()));
        cpus.keySet().removeIf(c -> c.equals(exceptCpu));
        return new Snapshot(names, cpus, g.processes());
    }

    private static void awaitRaw(String what, java.util.function.BooleanSupplier condition) {
        TestNodes.await(what, BOUND, condition);
    }

    /** The RecordRepaired events of {@code key} in the node's event log, as the node's CPUs logged them. */
    private static List<Event.RecordRepaired> repairs(EmbeddedNode on, int readVia, String key) {
        List<Event.RecordRepaired> found = new ArrayList<>();
        try {
            for (EventRecord r : EventLog.of(on.config().nodeName(), readVia).orElseThrow()
                    .read(new EventQuery(0, EventQuery.MAX_BATCH, 0)).events()) {
                if (r.event() instanceof Event.RecordRepaired rr && rr.key().equals(key)) {
                    found.add(rr);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return found;
    }

    private static void awaitRepair(EmbeddedNode on, String key, String foundPart) {
        TestNodes.await("a RecordRepaired of " + key + " that found it " + foundPart, BOUND,
                () -> repairs(on, 2, key).stream().anyMatch(r -> r.found().contains(foundPart)));
    }

    private InProcess.Result cli(String... args) {
        Map<String, String> env = new HashMap<>();
        env.put("OPENPAIR_NODE", node.config().nodeName());
        env.put("OPENPAIR_BASE_PORT", String.valueOf(node.config().basePort()));
        env.put("OPENPAIR_RUN_DIR", runDir.toString());
        // The operator's command holds the node key: a command without it is refused by the CPUs.
        Path keyFile = runDir.resolve("node.key");
        if (!Files.exists(keyFile)) {
            key.writeNew(keyFile);
        }
        env.put("OPENPAIR_KEY_FILE", keyFile.toString());
        Path none = runDir.resolve("none");
        return InProcess.execute(new ConfigSources(none, none, env, none), args);
    }

    /** STATUS's roles of the members of {@code name}, by cpu,pin. */
    private Map<String, String> roles(String name) {
        InProcess.Result r = cli("status", "--json");
        assertThat(r.exitCode()).as("%s", r).isZero();
        Map<String, String> roles = new TreeMap<>();
        for (String line : r.out().lines().toList()) {
            JsonObject o = Json.parse(line).asObject();
            if (name.equals(o.getString("name", null))) {
                roles.put(o.getInt("cpu", -1) + "," + o.getInt("pin", -1), o.getString("role", null));
            }
        }
        return roles;
    }

    private static int error(Runnable call) {
        try {
            call.run();
        } catch (GuardianException e) {
            return e.error();
        }
        throw new AssertionError("no Guardian error");
    }

    @Test
    void aForgedEntryForANewName_isRefusedEverywhere_changesNothing_andDoesNotBlockTheName() {
        ProcessHandle p = server(node, "$FA", 0, 1);
        Snapshot before = snapshot(null, null);
        ProcessName fake = ProcessName.of("$FAKE");
        // It points at a live process: a forger's way to send a name's requests elsewhere.
        rawNames.set("$FAKE", new NameEntry(fake, p, null, Epochs.first(0), Instant.now(), false, false, null));
        assertThat(rawNames.get("$FAKE")).isNotNull();

        assertThat(keyed().names().get("$FAKE")).isNull();
        assertThat(g.lookup(fake)).isEmpty();
        assertThat(g.processGetPairInfo(fake).status()).isEqualTo(PairStatus.NO_SUCH_PROCESS);
        assertThat(error(() -> g.fileOpen(fake, 1))).isEqualTo(14);
        assertThat(error(() -> g.switchPair(fake))).isEqualTo(14);
        InProcess.Result ppd = cli("ppd", "--json");
        assertThat(ppd.exitCode()).as("%s", ppd).isZero();
        assertThat(ppd.out()).contains("$FA").doesNotContain("$FAKE");
        InProcess.Result one = cli("ppd", "$FAKE");
        assertThat(one.exitCode()).as("%s", one).isNotZero();
        assertThat(snapshot(null, null)).isEqualTo(before);
        assertThat(inc(g, "$FA")).isEqualTo(1);

        // The name stays free: a process named so takes it, the forged entry replaced.
        ProcessHandle real = g.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class))
                .name("$FAKE").cpu(2).build());
        assertThat(g.lookup(fake).orElseThrow().handle()).isEqualTo(real);
        g.processStop(real);
    }

    @Test
    void anAlteredEntryOfALivePair_isRefusedAndRestored_thePairAnswersFromItsPrimary_neverTwoPrimaries() {
        ProcessHandle p = server(node, "$FB", 0, 1);
        NameEntry truth = keyed().names().get("$FB");
        NameEntry sealed = rawNames.get("$FB");
        assertThat(roles("$FB")).containsValues("PRIMARY", "BACKUP").hasSize(2);
        assertThat(inc(g, "$FB")).isEqualTo(1);
        Snapshot before = snapshot("$FB", null);

        // Primary and backup swapped, the seal kept.
        rawNames.set("$FB", new NameEntry(truth.name(), truth.backup(), truth.primary(), truth.epoch(),
                truth.created(), false, true, truth.creator(), sealed.seal()));
        awaitRaw("the true entry of $FB again", () -> sealed.equals(rawNames.get("$FB")));
        awaitRepair(node, "$FB", "forged or altered");
        assertThat(keyed().names().get("$FB")).isEqualTo(truth);
        assertThat(inc(g, "$FB")).isEqualTo(2);
        assertThat(g.processGetPairInfo(ProcessName.of("$FB")).primary()).isEqualTo(p);
        assertThat(roles("$FB")).containsEntry(p.cpuPin(), "PRIMARY").containsEntry(truth.backup().cpuPin(), "BACKUP");

        // The epoch raised to 2^62, the seal stripped: no basis for anything, and restored too.
        rawNames.set("$FB", new NameEntry(truth.name(), truth.primary(), truth.backup(), 1L << 62, truth.created(),
                false, true, truth.creator()));
        awaitRaw("the true entry of $FB again", () -> sealed.equals(rawNames.get("$FB")));
        assertThat(inc(g, "$FB")).isEqualTo(3);
        assertThat(keyed().names().get("$FB").epoch()).isEqualTo(truth.epoch());
        assertThat(snapshot("$FB", null)).isEqualTo(before);
        assertThat(roles("$FB").values()).containsExactlyInAnyOrder("PRIMARY", "BACKUP");

        // The real pair is not locked out: it switches, to the next epoch of its true one.
        g.switchPair(ProcessName.of("$FB"));
        TestNodes.await("the switch of $FB", BOUND, () -> truth.backup().equals(keyed().names().get("$FB").primary()));
        assertThat(Epochs.counter(keyed().names().get("$FB").epoch())).isEqualTo(Epochs.counter(truth.epoch()) + 1);
        assertThat(inc(g, "$FB")).isEqualTo(4);
    }

    @Test
    void aRemovedEntry_isRestoredByItsPrimarysCpu_andSendByNameWorksAgain() {
        server(node, "$FC", 0, 1);
        NameEntry truth = keyed().names().get("$FC");
        NameEntry sealed = rawNames.get("$FC");
        assertThat(inc(g, "$FC")).isEqualTo(1);
        Snapshot before = snapshot("$FC", null);

        assertThat(rawNames.remove("$FC")).isNotNull();
        awaitRaw("the entry of $FC restored", () -> sealed.equals(rawNames.get("$FC")));
        awaitRepair(node, "$FC", "removed");
        assertThat(keyed().names().get("$FC")).isEqualTo(truth);
        assertThat(inc(g, "$FC")).isEqualTo(2);
        assertThat(snapshot("$FC", null)).isEqualTo(before);
        assertThat(roles("$FC").values()).containsExactlyInAnyOrder("PRIMARY", "BACKUP");
    }

    @Test
    void aSingleNamedProcess_whoseEntryIsRemovedAsSoonAsItRuns_getsItBack() {
        ProcessHandle h = g.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class))
                .name("$FS").cpu(0).build());
        NameEntry sealed = rawNames.get("$FS");
        assertThat(rawNames.remove("$FS")).isEqualTo(sealed);
        awaitRaw("the entry of $FS restored", () -> sealed.equals(rawNames.get("$FS")));
        assertThat(g.lookup(ProcessName.of("$FS")).orElseThrow().handle()).isEqualTo(h);
        assertThat(roles("$FS")).containsExactly(Map.entry(h.cpuPin(), "PRIMARY"));
        g.processStop(h);
        // Its end removes the name for good: nobody restores the entry of a process that ended.
        TestNodes.await("the end of $FS", BOUND, () -> g.termination(h).isPresent());
        assertThat(keyed().names().get("$FS")).isNull();
    }

    /**
     * A stale entry left by a lost CPU is taken over with its epoch rising, when it is sealed;
     * a forged one, at epoch 2^62, is no entry: the new name starts at its first epoch, and the
     * forger's epoch never becomes the pair's.
     */
    @Test
    void aStaleSealedEntry_continuesItsEpoch_aForgedOne_givesNoEpochToContinue() {
        ProcessHandle gone = new ProcessHandle(node.config().nodeName(), 1, 999, 77);
        long stale = Epochs.next(Epochs.next(Epochs.first(1), 1), 1);
        keyed().names().set("$FST", new NameEntry(ProcessName.of("$FST"), gone, null, stale, Instant.now(), false,
                false, null));
        ProcessHandle a = g.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class))
                .name("$FST").cpu(0).build());
        assertThat(keyed().names().get("$FST").primary()).isEqualTo(a);
        assertThat(keyed().names().get("$FST").epoch()).isEqualTo(Epochs.next(stale, 0));

        rawNames.set("$FSX", new NameEntry(ProcessName.of("$FSX"), gone, null, 1L << 62, Instant.now(), false, false,
                null));
        ProcessHandle b = g.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class))
                .name("$FSX").cpu(0).build());
        assertThat(keyed().names().get("$FSX").primary()).isEqualTo(b);
        assertThat(keyed().names().get("$FSX").epoch()).isEqualTo(Epochs.first(0));
        g.processStop(a);
        g.processStop(b);
    }

    @Test
    void aReplayedOlderSignedEntry_isRestoredByTheNewPrimarysCpu_theEpochDoesNotMove() {
        counter(node, "$FD", 0, 1);
        NameEntry old = keyed().names().get("$FD");
        NameEntry oldSealed = rawNames.get("$FD");
        g.switchPair(ProcessName.of("$FD"));
        TestNodes.await("the switch of $FD", BOUND, () -> old.backup().equals(keyed().names().get("$FD").primary()));
        awaitTruth(node, 1, "$FD");
        NameEntry now = keyed().names().get("$FD");
        NameEntry nowSealed = rawNames.get("$FD");
        assertThat(now.epoch()).isGreaterThan(old.epoch());
        Snapshot before = snapshot("$FD", null);

        // The old entry, validly sealed when it was true, written again.
        rawNames.set("$FD", oldSealed);
        awaitRaw("the current entry of $FD again", () -> nowSealed.equals(rawNames.get("$FD")));
        awaitRepair(node, "$FD", "older entry");
        assertThat(keyed().names().get("$FD")).isEqualTo(now);
        assertThat(now.backup()).isEqualTo(old.primary());
        assertThat(g.processGetPairInfo(ProcessName.of("$FD")).primary()).isEqualTo(old.backup());
        assertThat(roles("$FD")).containsEntry(old.backup().cpuPin(), "PRIMARY")
                .containsEntry(old.primary().cpuPin(), "BACKUP");
        assertThat(snapshot("$FD", null)).isEqualTo(before);
    }

    @Test
    void aForgedCpuRecord_withItsLinkPortElsewhere_isRefusedAndRestoredByItsCpu() {
        NodeTables.CpuRecord truth = keyed().cpus().get(1);
        NodeTables.CpuRecord sealed = rawCpus.get(1);
        Snapshot before = snapshot(null, 1);

        rawCpus.set(1, new NodeTables.CpuRecord(1, truth.memberUuid(), truth.address(), truth.started(),
                truth.linkPort() + 1, sealed.seal()));
        NodeTables.CpuRecord read = keyed().cpus().get(1);
        // Refused (absent) until its CPU writes it again, which it may have done already: never the forged port.
        assertThat(read == null || read.equals(truth)).as("%s", read).isTrue();
        awaitRaw("CPU 1's record restored", () -> sealed.equals(rawCpus.get(1)));
        awaitRepair(node, "1", "forged or altered");

        // Stripped of its seal: the same.
        rawCpus.set(1, sealed.withSeal(null));
        awaitRaw("CPU 1's record restored", () -> sealed.equals(rawCpus.get(1)));
        assertThat(keyed().cpus().get(1)).isEqualTo(truth);
        assertThat(snapshot(null, 1)).isEqualTo(before);

        // Requests still reach a server on CPU 1 over its true link.
        server(node, "$FE", 1, 0);
        assertThat(inc(g, "$FE")).isEqualTo(1);
    }

    /**
     * A switch, then the new primary's CPU killed: the old primary takes over again. At no
     * point does a repair reinstate a stale primary: the entries that change are each a
     * legitimate step, sealed, at a higher epoch.
     */
    @Test
    void switchThenKillOfTheNewPrimary_isNeverFoughtByTheRepair() {
        try (EmbeddedNode own = EmbeddedNode.start(TestNodes.config(3).nodeKey(key).build(), 3)) {
            Guardian og = own.cpu(2).guardian();
            NodeTables tables = new NodeTables(own.cpu(2).engine(), Optional.of(key));
            ProcessHandle p = counter(own, "$FG", 0, 1);
            NameEntry first = tables.names().get("$FG");
            Table<Integer, NodeTables.CpuRecord> cpusWithoutKey = own.cpu(2).engine().table(NodeTables.CPUS);
            NodeTables.CpuRecord cpu1Before = cpusWithoutKey.get(1);
            og.switchPair(ProcessName.of("$FG"));
            TestNodes.await("the switch of $FG", BOUND, () -> first.backup().equals(tables.names().get("$FG").primary()));
            // The new primary's CPU holds the truth now, and its audit runs while it is killed.
            awaitTruth(own, 1, "$FG");
            own.cpu(1).crash();
            java.util.concurrent.atomic.AtomicReference<NameEntry> seen = new java.util.concurrent.atomic.AtomicReference<>();
            try {
                TestNodes.await("the takeover of $FG by its first primary", BOUND, () -> {
                    NameEntry e = tables.names().get("$FG");
                    seen.set(e);
                    return e != null && p.equals(e.primary())
                            && Epochs.counter(e.epoch()) == Epochs.counter(first.epoch()) + 2;
                });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; the entry: " + seen.get() + "; first " + first, e);
            }
            awaitTruth(own, 0, "$FG");

            // A marker: a repair on CPU 0 after everything above; its event comes after any of $FG's.
            og.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class)).name("$FMARK").cpu(0)
                    .build());
            awaitTruth(own, 0, "$FMARK");
            Engine raw = own.cpu(2).engine();
            raw.<String, NameEntry>table(NodeTables.NAMES).remove("$FMARK");
            awaitRepair(own, "$FMARK", "removed");
            assertThat(repairs(own, 2, "$FG")).isEmpty();
            NameEntry last = tables.names().get("$FG");
            assertThat(last.primary()).isEqualTo(p);
            assertThat(Epochs.counter(last.epoch())).isEqualTo(Epochs.counter(first.epoch()) + 2);

            // CPU 1 back: its new record, then the record of its first run written again (sealed,
            // but not this CPU's own): restored by CPU 1. Once every survivor has swept the first
            // run's member: a sweep still to come would remove that record as what a departed
            // member left behind, which CPU 1 then finds gone, not older.
            for (int survivor : new int[] {0, 2}) {
                try {
                    assertThat(own.cpu(survivor).awaitDepartureHandled(cpu1Before.memberUuid(), BOUND))
                            .as("CPU %d's sweep of CPU 1's first run", survivor).isTrue();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
            own.startCpu(1);
            NodeTables.CpuRecord cpu1Now = tables.cpus().get(1);
            assertThat(cpu1Now.memberUuid()).isNotEqualTo(cpu1Before.memberUuid());
            NodeTables.CpuRecord sealedNow = cpusWithoutKey.get(1);
            cpusWithoutKey.set(1, cpu1Before);
            TestNodes.await("CPU 1's own record again", BOUND, () -> sealedNow.equals(cpusWithoutKey.get(1)));
            TestNodes.await("a RecordRepaired of CPU 1 that found an older record", BOUND,
                    () -> repairs(own, 2, "1").stream().anyMatch(r -> r.found().contains("older record")));
            assertThat(tables.cpus().get(1)).isEqualTo(cpu1Now);
        }
    }
}
