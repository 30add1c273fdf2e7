package org.openpair.emulator.names;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.map.IMap;

import org.junit.jupiter.api.Test;
import org.openpair.emulator.cluster.Table;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cpu.Cpu;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.emulator.cluster.EngineConfigs;
import org.openpair.emulator.cluster.MergeByValue;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.process.TestPrograms;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.StopScope;

/**
 * The name table across splits, on real Hazelcast members: a CPU below the quorum cannot change
 * it (split-brain protection), and two sides that each changed it heal to the higher epoch.
 */
class NameTableSplitTest {
    private static final Duration BOUND = Duration.ofSeconds(60);

    private static boolean hasQuorum(Cpu cpu) {
        return cpu.engine().hazelcast().getSplitBrainProtectionService().getSplitBrainProtection(EngineConfigs.QUORUM)
                .hasMinimumSize();
    }

    private static SpawnRequest named(String name, int cpu) {
        return SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class)).name(name).cpu(cpu).build();
    }

    /**
     * A 3-CPU node (quorum 2) down to CPU 0 alone: no name can be made, moved or closed there,
     * and the entries stay as they were, though the quorum watch stops the primary; a user call
     * gets error 66 saying why. With a second CPU back, names work again.
     */
    @Test
    void cpuAloneInAThreeCpuNode_cannotChangeTheNameTable_error66_entryUnchanged() {
        NodeConfig config = TestNodes.config(3).build();
        assertThat(config.quorum()).isEqualTo(2);
        try (EmbeddedNode node = EmbeddedNode.start(config, List.of(0, 1))) {
            Cpu cpu0 = node.cpu(0);
            Guardian g0 = cpu0.guardian();
            TestNodes.await("CPU 0 to see the quorum", BOUND, () -> hasQuorum(cpu0));
            ProcessHandle solo = g0.processSpawn(named("$SOLO", 0));
            Table<String, NameEntry> names = new NodeTables(cpu0.engine()).names();
            NameEntry before = names.get("$SOLO");
            assertThat(before.primary()).isEqualTo(solo);
            assertThat(before.epoch()).isEqualTo(Epochs.first(0));

            node.cpu(1).crash();
            TestNodes.await("CPU 0 to lose the quorum", BOUND, () -> !hasQuorum(cpu0));

            // A new name: refused, as the user sees it, and nothing written.
            GuardianException spawn = catchThrowableOfType(() -> g0.processSpawn(named("$NEW", 0)),
                    GuardianException.class);
            assertThat(spawn).as("spawn of a named process on a CPU below the quorum").isNotNull();
            assertThat(spawn.error()).isEqualTo(GuardianError.DEVICE_DOWN.number());
            assertThat(spawn.getMessage()).contains("CPU 0", "quorum", "naming $NEW");
            assertThat(names.get("$NEW")).isNull();

            // The quorum watch stops $SOLO; its retirement cannot move the name.
            TestNodes.await("the quorum watch to stop $SOLO", BOUND, () -> cpu0.processCount() == 0);
            // Any update, as a takeover or a sweep would make it: the Guardian error, and no change.
            GuardianException retire = catchThrowableOfType(() -> NameTableQuorum.write("CPU 0", "retiring " + solo,
                    () -> names.update("$SOLO", new NameUpdates.RetireMember(solo, 0))), GuardianException.class);
            assertThat(retire).isNotNull();
            assertThat(retire.error()).isEqualTo(GuardianError.DEVICE_DOWN.number());
            GuardianException close = catchThrowableOfType(() -> g0.processStop(solo, StopScope.PAIR),
                    GuardianException.class);
            assertThat(close).as("stop of the pair as a whole").isNotNull();
            assertThat(close.error()).isEqualTo(GuardianError.DEVICE_DOWN.number());
            assertThat(close.getMessage()).contains("quorum", "closing $SOLO");
            assertThat(names.get("$SOLO")).isEqualTo(before);

            // The quorum is back: names can be made again.
            node.startCpu(1);
            TestNodes.await("CPU 0 to see the quorum again", BOUND, () -> hasQuorum(cpu0));
            ProcessHandle after = g0.processSpawn(named("$AFTER", 0));
            assertThat(names.get("$AFTER").epoch()).isEqualTo(Epochs.first(0));
            g0.processStop(after);
        }
    }

    /**
     * A two-CPU node has a quorum of 1: nothing to protect with, so a CPU alone keeps naming and
     * promoting, and epoch fencing is all that guards it (see the Quorum note in docs/design.md).
     */
    @Test
    void twoCpuNode_hasNoProtection_aCpuAloneStillNames() {
        NodeConfig config = TestNodes.config(2).build();
        assertThat(config.quorum()).isEqualTo(1);
        try (EmbeddedNode node = EmbeddedNode.start(config, 2)) {
            Cpu cpu0 = node.cpu(0);
            assertThat(cpu0.engine().hazelcast().getConfig().getMapConfig(NodeTables.NAMES).getSplitBrainProtectionName()).isNull();
            assertThat(cpu0.engine().hazelcast().getConfig().getMapConfig(NodeTables.NAMES).getMergePolicyConfig().getPolicy())
                    .isEqualTo(MergeByValue.class.getName());
            node.cpu(1).crash();
            TestNodes.await("CPU 0 to be alone", BOUND, () -> cpu0.engine().hazelcast().getCluster().getMembers().size() == 1);
            ProcessHandle alone = cpu0.guardian().processSpawn(named("$ALONE", 0));
            assertThat(cpu0.guardian().lookup(ProcessName.of("$ALONE"))).isPresent();
            cpu0.guardian().processStop(alone);
        }
    }

    /**
     * A name whose holder vanished without retiring it (its CPU lost, the sweep refused or not
     * yet run) is taken over by the next creation; its epoch goes on from the stale one, made by
     * the creating CPU, so nobody who saw the old entry ever meets a lower epoch under the name.
     */
    @Test
    void takingOverAStaleEntry_continuesItsEpoch_madeByTheCreatingCpu() {
        try (EmbeddedNode node = EmbeddedNode.start(TestNodes.config(2).build(), List.of(0))) {
            Cpu cpu0 = node.cpu(0);
            Table<String, NameEntry> names = new NodeTables(cpu0.engine()).names();
            ProcessHandle gone = new ProcessHandle(node.config().nodeName(), 1, 5, 77);
            long staleEpoch = Epochs.next(Epochs.next(Epochs.first(1), 1), 1);
            names.set("$STALE", new NameEntry(ProcessName.of("$STALE"), gone, null, staleEpoch,
                    Instant.parse("2026-12-06T00:00:00Z"), false, false, null));

            ProcessHandle fresh = cpu0.guardian().processSpawn(named("$STALE", 0));
            NameEntry now = names.get("$STALE");
            assertThat(now.primary()).isEqualTo(fresh);
            assertThat(now.epoch()).isEqualTo(Epochs.next(staleEpoch, 0)).isGreaterThan(staleEpoch);
            cpu0.guardian().processStop(fresh);
        }
    }

    /**
     * A real heal: CPU 2 forms a cluster of its own while CPUs 0 and 1 form another (CPU 2 knows
     * their addresses, they do not know its), each side changes the name table, and then
     * Hazelcast finds the two clusters and merges the smaller (CPU 2) into the larger, through
     * the map's configured merge policy. The node's quorum is 1 here, so that both sides may
     * write, as they could in the moments before a split is seen. For each name the higher
     * epoch survives, whichever side made it; a name only the smaller side holds stays absent.
     */
    @Test
    void realMerge_higherEpochSurvives_fromEitherSide() throws InterruptedException {
        NodeConfig node = TestNodes.config(3).quorum(1).build();
        List<String> all = new ArrayList<>(node.cpuAddresses().values());
        List<String> larger = List.of(node.cpuAddresses().get(0), node.cpuAddresses().get(1));
        List<HazelcastInstance> members = new ArrayList<>();
        try {
            HazelcastInstance h2 = Hazelcast.newHazelcastInstance(member(node.toBuilder().members(all).build(), 2));
            members.add(h2);
            CountDownLatch merged = new CountDownLatch(1);
            h2.getLifecycleService().addLifecycleListener(e -> {
                if (e.getState() == LifecycleEvent.LifecycleState.MERGED) {
                    merged.countDown();
                }
            });
            NodeConfig largerSide = node.toBuilder().members(larger).build();
            HazelcastInstance h0 = Hazelcast.newHazelcastInstance(member(largerSide, 0));
            members.add(h0);
            HazelcastInstance h1 = Hazelcast.newHazelcastInstance(member(largerSide, 1));
            members.add(h1);
            assertThat(h0.getCluster().getMembers()).hasSize(2);
            assertThat(h2.getCluster().getMembers()).hasSize(1);

            // One pair history up to the split: $UP and $DOWN at epoch 2@0 with primary P0, backup on CPU 2.
            ProcessHandle p0 = new ProcessHandle(node.nodeName(), 0, 5, 100);
            ProcessHandle b2 = new ProcessHandle(node.nodeName(), 2, 6, 101);
            ProcessHandle n1 = new ProcessHandle(node.nodeName(), 1, 7, 102);
            long common = Epochs.next(Epochs.first(0), 0);
            // $UP: the smaller side promoted its backup (3@2); the larger side did nothing.
            NameEntry upSmall = entry("$UP", b2, null, Epochs.next(common, 2));
            NameEntry upLarge = entry("$UP", p0, b2, common);
            // $DOWN: the larger side promoted twice (4@1); the smaller side once (3@2).
            NameEntry downLarge = entry("$DOWN", n1, null, Epochs.next(Epochs.next(common, 0), 1));
            NameEntry downSmall = entry("$DOWN", b2, null, Epochs.next(common, 2));
            // Made on one side only.
            NameEntry onlySmall = entry("$ONLYS", b2, null, Epochs.first(2));
            NameEntry onlyLarge = entry("$ONLYL", n1, null, Epochs.first(1));
            IMap<String, NameEntry> small = h2.getMap(NodeTables.NAMES);
            IMap<String, NameEntry> big = h0.getMap(NodeTables.NAMES);
            small.set("$UP", upSmall);
            small.set("$DOWN", downSmall);
            small.set("$ONLYS", onlySmall);
            big.set("$UP", upLarge);
            big.set("$DOWN", downLarge);
            big.set("$ONLYL", onlyLarge);

            assertThat(merged.await(BOUND.toSeconds(), TimeUnit.SECONDS)).as("CPU 2 merged into CPUs 0 and 1").isTrue();
            TestNodes.await("three members", BOUND, () -> h0.getCluster().getMembers().size() == 3);
            for (HazelcastInstance h : members) {
                IMap<String, NameEntry> names = h.getMap(NodeTables.NAMES);
                assertThat(names.get("$UP")).as("$UP read through %s", h.getName()).isEqualTo(upSmall);
                assertThat(names.get("$DOWN")).as("$DOWN read through %s", h.getName()).isEqualTo(downLarge);
                assertThat(names.get("$ONLYL")).isEqualTo(onlyLarge);
                assertThat(names.get("$ONLYS")).isNull();
            }
        } finally {
            for (HazelcastInstance h : members) {
                h.getLifecycleService().terminate();
            }
        }
    }

    private static NameEntry entry(String name, ProcessHandle primary, ProcessHandle backup, long epoch) {
        return new NameEntry(ProcessName.of(name), primary, backup, epoch, Instant.parse("2026-12-06T00:00:00Z"),
                false, backup != null, null);
    }

    /** The member configuration a CPU runs with, merging sooner than Hazelcast's default, for the test. */
    private static Config member(NodeConfig node, int cpu) {
        Config config = TestNodes.memberConfig(node, cpu);
        config.setProperty("hazelcast.merge.first.run.delay.seconds", "2");
        config.setProperty("hazelcast.merge.next.run.delay.seconds", "2");
        return config;
    }
}
