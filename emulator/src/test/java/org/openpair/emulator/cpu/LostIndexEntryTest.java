package org.openpair.emulator.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.messages.MessagePrograms;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;

/**
 * A primary whose entries the engine lost is still taken over when its CPU is lost. The sweep
 * finds a lost CPU's processes through its index; the engine loses the latest writes of a
 * partition whose backup was not yet in sync when the CPU that owned it was lost (seen in
 * {@code FillingBackupTest}, 3 times in about 110 runs on a loaded machine: the CPU crashed a
 * few seconds after the node formed, its index came back empty, and the pair kept naming its
 * dead primary for good). The loss is made here by hand, on a node whose partitions are in sync,
 * so that the engine loses nothing else: CPU 1's index entry for the primary, or that and its
 * process entry, are removed before CPU 1 crashes; the ready backup on CPU 2 must take over with
 * the count it was given.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LostIndexEntryTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration REPLY = Duration.ofSeconds(10);
    private static final ProcessName SRV = ProcessName.of("$LIX");

    private EmbeddedNode node;
    private Guardian g;

    @BeforeEach
    void start() {
        node = EmbeddedNode.start(TestNodes.config(3).build(), 3);
        g = node.cpu(0).guardian();
    }

    @AfterEach
    void close() {
        node.close();
    }

    @ParameterizedTest(name = "process entry lost too: {0}")
    @ValueSource(booleans = {false, true})
    void aPrimaryMissingFromItsCpusIndex_isTakenOverWhenItsCpuIsLost(boolean entryLostToo) {
        g.processSpawn(SpawnRequest.of(Program.hosted(MessagePrograms.Server.class)).name(SRV.toString()).cpu(1)
                .args("2", "1").build());
        TestNodes.await("a ready backup", WAIT, () -> g.processGetPairInfo(SRV).backupReady());
        ProcessFile server = g.fileOpen(SRV, 1);
        assertThat(number(server.writeRead(bytes("inc"), REPLY))).isEqualTo(1);
        TestNodes.await("the node's partitions safe", WAIT,
                () -> node.cpu(0).engine().hazelcast().getPartitionService().isClusterSafe());

        ProcessHandle primary = g.processGetPairInfo(SRV).primary();
        String key = NodeTables.processKey(primary);
        NodeTables tables = node.cpu(0).tables();
        assertThat(tables.cpuProcesses().get(1)).contains(key);
        tables.cpuProcesses().remove(1, key);
        if (entryLostToo) {
            tables.processes().remove(key);
        }
        node.cpu(1).crash();

        TestNodes.await("the backup's takeover", WAIT, () -> {
            PairInfo p = g.processGetPairInfo(SRV);
            return p.primary() != null && p.primary().cpu() == 2;
        });
        assertThat(number(server.writeRead(bytes("get"), REPLY))).as("the new primary's count").isEqualTo(1);
        assertThat(number(server.writeRead(bytes("inc"), REPLY))).isEqualTo(2);
        assertThat(tables.terminations().get(NodeTables.terminationKey(primary))).as("the primary's end on record")
                .isNotNull();
        assertThat(tables.processes().get(key)).as("no entry left for the dead primary").isNull();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static long number(byte[] reply) {
        return ByteBuffer.wrap(reply).getLong();
    }
}
