package org.openpair.emulator.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cluster.Engine;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.cpu.Cpu;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.emulator.cpu.NodeEngineSettings;
import org.openpair.emulator.messages.RequesterLinks;
import org.openpair.emulator.process.TestPrograms;
import org.openpair.emulator.security.NodeKey;
import org.openpair.guardian.CpuInfo;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;

/**
 * A node with a key, on real members and sockets: its CPUs reach each other over the keyed link;
 * a CPU with another key, or none, is stopped at start with error 48 and the node is unchanged;
 * a stranger on the engine (a bare engine client, given only the cluster name) submitting CPU
 * tasks without a seal, with a seal of another key, altered, replayed or meant for another CPU is
 * refused with 48, logged, and nothing runs; a requester's link without the key is refused.
 */
@Timeout(180)
class KeyedNodeTest {
    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final NodeKey KEY = NodeKey.random();
    private static EmbeddedNode node;
    private static Engine stranger;
    private static UUID cpu1;
    private static UUID cpu0;

    private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    private final Logger guardLog = Logger.getLogger(CpuTaskGuard.class.getName());
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(r);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeAll
    static void start() {
        node = EmbeddedNode.start(TestNodes.config(3).nodeKey(KEY).build(), List.of(0, 1));
        // The attacker's view: the cluster name and an address, no key.
        NodeConfig bare = node.config().toBuilder().nodeKey(null).build();
        stranger = Engine.startClient(NodeEngineSettings.of(bare), BOUND.toMillis());
        var up = new CpuRouter(new NodeTables(stranger), bare, null).upCpus();
        cpu0 = up.get(0).member();
        cpu1 = up.get(1).member();
    }

    @AfterAll
    static void stop() {
        if (stranger != null) {
            stranger.shutdown();
        }
        if (node != null) {
            node.close();
        }
    }

    @BeforeEach
    void listen() {
        guardLog.addHandler(capture);
    }

    @AfterEach
    void unlisten() {
        guardLog.removeHandler(capture);
    }

    private static Set<ProcessHandle> processes() {
        return node.guardian().processes().stream().map(ProcessInfo::handle).collect(Collectors.toSet());
    }

    private static SpawnRequest spawnOnCpu1() {
        return SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class)).cpu(1).build();
    }

    @Test
    void keyedCpus_spawnAndStopAcrossTheLink() {
        ProcessHandle h = node.cpu(0).guardian().processSpawn(spawnOnCpu1());
        assertThat(h.cpu()).isEqualTo(1);
        assertThat(node.cpu(1).processCount()).isPositive();
        node.cpu(0).guardian().processStop(h);
        assertThat(processes()).doesNotContain(h);
    }

    @Test
    void strangersTasks_unsealed_wrongKey_alteredReplayedOrForAnotherCpu_areRefusedWith48_andNothingRuns()
            throws Exception {
        Set<ProcessHandle> before = processes();
        int onCpu1 = node.cpu(1).processCount();
        CpuTask.Spawn spawn = new CpuTask.Spawn(spawnOnCpu1(), null);

        assertRefused(stranger.call(cpu1, CpuTask.of(spawn), BOUND.toMillis()), "no seal");
        assertRefused(stranger.call(cpu1, CpuTask.of(spawn).sealed(NodeKey.random(), 0, 1), BOUND.toMillis()),
                "does not match");
        // a notice (run on the CPU's own thread, answered at once) is checked before it is queued
        assertRefused(stranger.call(cpu1, CpuTask.notice(new CpuTask.CpuUp(2)), BOUND.toMillis()), "no seal");
        // the right seal, but for CPU 0, sent to CPU 1
        assertRefused(stranger.call(cpu1, CpuTask.of(spawn).sealed(KEY, 0, 0), BOUND.toMillis()), "does not match");
        // a seal of a harmless call moved onto another call
        CpuTask<?> harmless = CpuTask.of(new CpuTask.CpuUp(1)).sealed(KEY, 0, 1);
        CpuTask<?> altered = CpuTask.received(false, CpuCallCodecs.CALL.encode(spawn), harmless.seal());
        assertRefused(stranger.call(cpu1, altered, BOUND.toMillis()), "does not match");
        // the notice flag is covered too
        CpuTask<?> flipped = CpuTask.received(true, harmless.encodedCall(), harmless.seal());
        assertRefused(stranger.call(cpu1, flipped, BOUND.toMillis()), "does not match");

        assertThat(processes()).isEqualTo(before);
        assertThat(node.cpu(1).processCount()).isEqualTo(onCpu1);
        TestNodes.await("a WARNING of the refusal", BOUND, () -> !warnings.isEmpty());
        assertThat(new java.util.logging.SimpleFormatter().formatMessage(warnings.get(0)))
                .contains("CPU 1 refused").contains("Spawn").contains("no seal");

        // A task sealed with the key runs once; the same task seen again is a replay.
        CpuTask<ProcessInfo> sealed = CpuTask.of(spawn).sealed(KEY, 0, 1);
        CpuTask.Reply<ProcessInfo> ran = stranger.call(cpu1, sealed, BOUND.toMillis());
        assertThat(ran.error()).as(ran.message()).isZero();
        assertRefused(stranger.call(cpu1, sealed, BOUND.toMillis()), "seen before");
        assertThat(node.cpu(1).processCount()).isEqualTo(onCpu1 + 1);
        node.guardian().processStop(ran.value().handle());
        assertThat(processes()).isEqualTo(before);
    }

    @Test
    void aCpuWithAnotherKey_orNone_isStoppedAtStartWith48_andTheNodeIsUnchanged() {
        Set<Integer> up = node.guardian().cpus().stream().map(CpuInfo::cpu).collect(Collectors.toSet());
        Set<ProcessHandle> before = processes();
        for (NodeConfig wrong : List.of(node.config().toBuilder().nodeKey(NodeKey.random()).build(),
                node.config().toBuilder().nodeKey(null).build())) {
            assertThatThrownBy(() -> Cpu.start(wrong, 2)).isInstanceOfSatisfying(GuardianException.class, e -> {
                assertThat(e.error()).isEqualTo(48);
                assertThat(e.getMessage()).contains("node key mismatch");
            });
            assertThat(node.guardian().cpus().stream().map(CpuInfo::cpu).collect(Collectors.toSet())).isEqualTo(up);
            assertThat(processes()).isEqualTo(before);
        }
        // the node still serves across its link
        keyedCpus_spawnAndStopAcrossTheLink();
    }

    @Test
    void aRequesterWithoutTheKey_isRefusedOnTheLink_oneWithItIsServed() throws Exception {
        ProcessHandle h = node.cpu(0).guardian().processSpawn(spawnOnCpu1());
        try (RequesterLinks without = new RequesterLinks(new NodeTables(stranger), node.config().nodeName());
             RequesterLinks with = new RequesterLinks(new NodeTables(stranger), node.config().nodeName(), KEY)) {
            var refused = without.request(1, 1, 1, java.nio.ByteBuffer.allocate(1));
            assertThatThrownBy(() -> refused.get(BOUND.toSeconds(), java.util.concurrent.TimeUnit.SECONDS))
                    .hasMessageContaining("node key mismatch");
            // open 1 is nobody's: the CPU answers it, which it does only to a requester it let in
            var answered = with.request(1, 1, 1, java.nio.ByteBuffer.allocate(1));
            assertThat(answered.get(BOUND.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).isNotNull();
        } finally {
            node.guardian().processStop(h);
        }
    }

    private static void assertRefused(CpuTask.Reply<?> reply, String why) {
        assertThat(reply.error()).as(reply.message()).isEqualTo(48);
        assertThat(reply.message()).contains(why);
    }
}
