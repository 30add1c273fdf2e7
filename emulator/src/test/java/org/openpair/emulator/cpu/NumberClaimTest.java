package org.openpair.emulator.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.CpuInfo;

/**
 * A live CPU whose record vanished from the CPU table writes it again, so the node lists it up
 * again; an orderly stop removes it for good.
 */
class NumberClaimTest {
    private static final Duration BOUND = Duration.ofSeconds(30);
    private EmbeddedNode node;

    @BeforeEach
    void start() {
        node = EmbeddedNode.start(TestNodes.config(3).build(), 3);
    }

    @AfterEach
    void close() {
        node.close();
    }

    private boolean listed(int cpu) {
        return node.cpu(0).guardian().cpus().stream().map(CpuInfo::cpu).anyMatch(c -> c == cpu);
    }

    @Test
    void aLiveCpusRecord_removedFromTheTable_isWrittenAgain_withTheSameClaim() {
        NodeTables tables = new NodeTables(node.cpu(0).engine());
        NodeTables.CpuRecord before = tables.cpus().get(1);
        assertThat(listed(1)).isTrue();

        assertThat(tables.cpus().remove(1)).isEqualTo(before);
        assertThat(listed(1)).as("just after the removal").isFalse();

        TestNodes.await("CPU 1 listed up again", BOUND, () -> listed(1));
        assertThat(tables.cpus().get(1)).isEqualTo(before);
        assertThat(listed(0)).isTrue();
        assertThat(listed(2)).isTrue();
    }

    @Test
    void aCpuShutDownInOrder_doesNotWriteItsRecordAgain() {
        NodeTables tables = new NodeTables(node.cpu(0).engine());
        Cpu cpu2 = node.cpu(2);
        cpu2.shutdown();
        TestNodes.await("CPU 2 gone from the list", BOUND, () -> !listed(2));

        cpu2.claim().restoreIfGone();

        assertThat(tables.cpus().get(2)).isNull();
    }
}
