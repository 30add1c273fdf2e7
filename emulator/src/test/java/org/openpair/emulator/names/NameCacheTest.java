package org.openpair.emulator.names;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cluster.Engine;
import org.openpair.emulator.cluster.Table;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.emulator.cpu.NodeEngineSettings;
import org.openpair.emulator.messages.MessagePrograms;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.pairs.PairPrograms;
import org.openpair.emulator.procedures.NodeGuardian;
import org.openpair.emulator.process.TestPrograms;
import org.openpair.emulator.security.NodeKey;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.PairStatus;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;

/**
 * CPU 0's name cache on a keyed node of real members in this JVM (CPUs 0-2 running, 3
 * configured for the membership case): lookups made on CPU 0 of names whose pairs live on CPUs
 * 1 and 2 and change there, so CPU 0 learns of each change only from the engine's events or
 * from a refusal. An attacker with the engine's own client and no key writes straight into
 * the name table.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NameCacheTest {
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Lookups of an unchanged name counted, and requests of an open. */
    private static final int N = 200;
    private final NodeKey key = NodeKey.random();
    private EmbeddedNode node;
    private NodeGuardian g0;
    private NodeGuardian g1;
    private NameCache cache;
    private NodeTables keyed;
    private Engine attacker;
    private Table<String, NameEntry> rawNames;

    @BeforeAll
    void start() {
        node = EmbeddedNode.start(TestNodes.config(4).nodeKey(key).build(), List.of(0, 1, 2));
        g0 = (NodeGuardian) node.cpu(0).guardian();
        g1 = (NodeGuardian) node.cpu(1).guardian();
        cache = g0.nameLookups();
        keyed = new NodeTables(node.cpu(2).engine(), Optional.of(key));
        attacker = Engine.startClient(NodeEngineSettings.of(node.config()), 20_000);
        rawNames = attacker.table(NodeTables.NAMES);
        TestNodes.await("CPU 0's name cache to listen", BOUND, cache::caching);
    }

    @AfterAll
    void close() {
        if (attacker != null) {
            attacker.shutdown();
        }
        if (node != null) {
            node.close();
        }
    }

    /** Looks {@code name} up on CPU 0 until one lookup is answered from its cache. */
    private void awaitCached(String name) {
        TestNodes.await(name + " answered from CPU 0's cache", BOUND, () -> {
            long hits = cache.hits();
            g0.lookup(ProcessName.of(name));
            return cache.hits() > hits;
        });
    }

    private ProcessHandle single(NodeGuardian through, String name, int cpu) {
        return through.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class)).name(name)
                .cpu(cpu).build());
    }

    /** A pair of {@code program} with its primary on CPU 1 and its backup on CPU 2, ready. */
    private ProcessHandle pairOn1And2(String name, Program program, String... args) {
        ProcessHandle p = g1.processSpawn(SpawnRequest.of(program).name(name).cpu(1).args(args).build());
        TestNodes.await("a ready backup of " + name, BOUND, () -> {
            NameEntry e = keyed.names().get(name);
            return e != null && e.backup() != null && e.ready();
        });
        return p;
    }

    @Test
    void lookupsOfAnUnchangedName_areAnsweredFromTheCache_withoutATableRead() {
        ProcessHandle p = single(g1, "$NCA", 1);
        try {
            awaitCached("$NCA");
            long reads = cache.reads();
            long hits = cache.hits();
            for (int i = 0; i < N; i++) {
                assertThat(g0.lookup(ProcessName.of("$NCA")).map(ProcessInfo::handle)).contains(p);
            }
            PairInfo info = g0.processGetPairInfo(ProcessName.of("$NCA"));
            assertThat(info.primary()).isEqualTo(p);
            assertThat(cache.hits() - hits).isEqualTo(N + 1);
            assertThat(cache.reads() - reads).isZero();
        } finally {
            g1.processStop(p);
        }
    }

    @Test
    void writeReadsOfAnOpen_readNoName_andAfterASwitch_theOpenReReadsTheTableAndFollowsThePair() {
        pairOn1And2("$NCW", Program.hosted(MessagePrograms.Server.class), "2", "1");
        try (ProcessFile f = g0.fileOpen(ProcessName.of("$NCW"), 1)) {
            long reads = cache.reads();
            long hits = cache.hits();
            long value = 0;
            for (int i = 0; i < N; i++) {
                value = inc(f);
            }
            assertThat(value).isEqualTo(N);
            assertThat(cache.reads() - reads).as("table reads by requests").isZero();
            assertThat(cache.hits() - hits).as("name lookups by requests").isZero();

            PairInfo before = g1.processGetPairInfo(ProcessName.of("$NCW"));
            g1.switchPair(ProcessName.of("$NCW"));
            assertThat(inc(f)).as("the count goes on at the new primary").isEqualTo(N + 1);
            assertThat(f.server()).isEqualTo(before.backup());
            assertThat(cache.reads() - reads).as("the open read the table to rebind").isPositive();
            PairInfo after = g0.processGetPairInfo(ProcessName.of("$NCW"));
            assertThat(after.primary()).isEqualTo(before.backup());
            assertThat(after.epoch()).isGreaterThan(before.epoch());
        } finally {
            stopPair("$NCW");
        }
    }

    private static long inc(ProcessFile f) {
        return ByteBuffer.wrap(f.writeRead("inc".getBytes(StandardCharsets.UTF_8), WAIT)).getLong();
    }

    private void stopPair(String name) {
        try {
            PairInfo info = g1.processGetPairInfo(ProcessName.of(name));
            if (info.primary() != null) {
                g1.processStop(info.primary(), org.openpair.guardian.StopScope.PAIR);
            }
        } catch (GuardianException e) {
            // Already gone.
        }
    }

    @Test
    void afterASwitchAndATakeoverMadeElsewhere_cpu0SeesTheNewPrimaryAndEpoch_neverAnOlderEpoch() {
        ProcessName name = ProcessName.of("$NCS");
        ProcessHandle first = pairOn1And2("$NCS", Program.hosted(PairPrograms.Counter.class), "2", "temporary");
        try {
            awaitCached("$NCS");
            PairInfo start = g0.processGetPairInfo(name);
            assertThat(start.primary()).isEqualTo(first);
            ProcessHandle second = start.backup();
            long[] highest = {start.epoch()};

            g1.switchPair(name);
            awaitOnCpu0(name, second, highest);
            PairInfo switched = g0.processGetPairInfo(name);
            TestNodes.await("the demoted primary ready as backup", BOUND, () -> {
                PairInfo i = g0.processGetPairInfo(name);
                assertThat(i.epoch()).isGreaterThanOrEqualTo(highest[0]);
                highest[0] = i.epoch();
                return first.equals(i.backup()) && i.backupReady();
            });

            g1.processStop(second);
            awaitOnCpu0(name, first, highest);
            PairInfo taken = g0.processGetPairInfo(name);
            assertThat(taken.epoch()).isGreaterThan(switched.epoch());
            assertThat(g0.lookup(name).map(ProcessInfo::handle)).contains(first);
            awaitCached("$NCS");
            assertThat(g0.processGetPairInfo(name).epoch()).isEqualTo(taken.epoch());
        } finally {
            stopPair("$NCS");
        }
    }

    /** Looks {@code name} up on CPU 0 until {@code primary} is its primary; no epoch seen goes down. */
    private void awaitOnCpu0(ProcessName name, ProcessHandle primary, long[] highest) {
        long before = highest[0];
        TestNodes.await("CPU 0 to show " + primary.cpuPin() + " primary of " + name, BOUND, () -> {
            PairInfo i = g0.processGetPairInfo(name);
            assertThat(i.status()).isNotEqualTo(PairStatus.NO_SUCH_PROCESS);
            assertThat(i.epoch()).as("an epoch older than one already shown").isGreaterThanOrEqualTo(highest[0]);
            highest[0] = i.epoch();
            return primary.equals(i.primary());
        });
        assertThat(highest[0]).isGreaterThan(before);
    }

    @Test
    void aForgedEntry_isNeverServed_aForgedNewNameReadsAbsent_andAGenuineCachedOneIsNotTurnedIntoIt() {
        ProcessHandle genuine = single(g1, "$NCG", 1);
        ProcessHandle other = single(g1, "$NCO", 2);
        try {
            TestNodes.await("CPU 1 to hold the truth of $NCG", BOUND,
                    () -> node.cpu(1).recordRepair().holdsTruthOf("$NCG"));
            // A forged name nobody holds: absent everywhere, every time, and never cached.
            rawNames.set("$NCF", new NameEntry(ProcessName.of("$NCF"), other, null, Epochs.first(2), Instant.now(),
                    false, false, null));
            long hits = cache.hits();
            for (int i = 0; i < 5; i++) {
                assertThat(g0.lookup(ProcessName.of("$NCF"))).isEmpty();
                assertThat(g0.processGetPairInfo(ProcessName.of("$NCF")).status()).isEqualTo(PairStatus.NO_SUCH_PROCESS);
                assertThatThrownBy(() -> g0.fileOpen(ProcessName.of("$NCF"), 1))
                        .isInstanceOfSatisfying(GuardianException.class,
                                e -> assertThat(e.guardianError()).isEqualTo(GuardianError.NO_SUCH_DEVICE));
            }
            assertThat(cache.hits()).as("the forged name answered from the cache").isEqualTo(hits);

            // A forged entry over a genuine cached one: absent or genuine, never the forgery.
            awaitCached("$NCG");
            NameEntry truth = keyed.names().get("$NCG");
            rawNames.set("$NCG", new NameEntry(truth.name(), other, null, Epochs.next(truth.epoch(), 2),
                    truth.created(), false, false, null));
            TestNodes.await("the entry of $NCG restored and answered from CPU 0's cache", BOUND, () -> {
                long h = cache.hits();
                Optional<ProcessHandle> seen = g0.lookup(ProcessName.of("$NCG")).map(ProcessInfo::handle);
                PairInfo info = g0.processGetPairInfo(ProcessName.of("$NCG"));
                assertThat(seen.orElse(genuine)).isEqualTo(genuine);
                assertThat(info.primary() == null ? genuine : info.primary()).isEqualTo(genuine);
                return seen.isPresent() && cache.hits() - h == 2;
            });
            assertThat(g0.processGetPairInfo(ProcessName.of("$NCG")).epoch()).isEqualTo(truth.epoch());
            assertThat(g0.lookup(ProcessName.of("$NCO")).map(ProcessInfo::handle)).contains(other);
        } finally {
            rawNames.remove("$NCF");
            g1.processStop(genuine);
            g1.processStop(other);
        }
    }

    @Test
    void aRemovedName_isNotServedAfterItsRemoval_andItsNewPairIsSeen() {
        ProcessName name = ProcessName.of("$NCR");
        ProcessHandle p = single(g1, "$NCR", 1);
        awaitCached("$NCR");
        g1.processStop(p);
        TestNodes.await("$NCR gone on CPU 0", BOUND, () -> g0.lookup(name).isEmpty());
        for (int i = 0; i < 20; i++) {
            assertThat(g0.lookup(name)).isEmpty();
            assertThat(g0.processGetPairInfo(name).status()).isEqualTo(PairStatus.NO_SUCH_PROCESS);
        }
        ProcessHandle again = single(g1, "$NCR", 2);
        try {
            TestNodes.await("the new $NCR on CPU 0", BOUND,
                    () -> g0.lookup(name).map(ProcessInfo::handle).equals(Optional.of(again)));
            awaitCached("$NCR");
            PairInfo info = g0.processGetPairInfo(name);
            assertThat(info.primary()).isEqualTo(again);
            assertThat(info.epoch()).isEqualTo(Epochs.first(2));
        } finally {
            g1.processStop(again);
        }
    }

    @Test
    void aCpuJoiningAndLeaving_dropsTheWholeCache() {
        ProcessHandle p = single(g1, "$NCM", 1);
        try {
            awaitCached("$NCM");
            assertThat(cache.size()).isPositive();
            node.startCpu(3);
            try {
                TestNodes.await("CPU 0's cache dropped when CPU 3 joined", BOUND, () -> cache.size() == 0);
                long reads = cache.reads();
                assertThat(g0.lookup(ProcessName.of("$NCM")).map(ProcessInfo::handle)).contains(p);
                assertThat(cache.reads()).isEqualTo(reads + 1);
                awaitCached("$NCM");
                assertThat(cache.size()).isPositive();
            } finally {
                node.cpu(3).shutdown();
            }
            TestNodes.await("CPU 0's cache dropped when CPU 3 left", BOUND, () -> cache.size() == 0);
            awaitCached("$NCM");
        } finally {
            g1.processStop(p);
        }
    }
}
