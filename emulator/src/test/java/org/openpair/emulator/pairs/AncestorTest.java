package org.openpair.emulator.pairs;

import static org.assertj.core.api.Assertions.assertThat;


import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.emulator.names.Epochs;
import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.process.TestPrograms;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;

/**
 * PPD's ancestor of a named process is whoever created it (NSK keeps it in the DCT), whichever
 * member is primary after takeovers and switches; the backup's own parent is its primary.
 */
class AncestorTest {
    private static final ProcessName CTR = ProcessName.of("$CTR");
    private EmbeddedNode node;
    private Guardian g;

    @BeforeEach
    void start() {
        PairPrograms.reset();
        node = EmbeddedNode.start(TestNodes.config(3).build(), 3);
        g = node.cpu(0).guardian();
    }

    @AfterEach
    void close() {
        node.close();
    }

    @Test
    void afterTakeoverAndSwitch_ancestorIsStillTheCreator() {
        ProcessHandle creator = g.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class))
                .cpu(2).build());
        Guardian asCreator = node.cpu(2).guardianAs(creator);
        ProcessHandle primary = asCreator.processSpawn(SpawnRequest.of(Program.hosted(PairPrograms.Counter.class))
                .name(CTR).cpu(0).args("1", "temporary").build());
        ProcessHandle backup = awaitReadyBackup();
        assertThat(g.processGetPairInfo(CTR).ancestor()).isEqualTo(creator);
        assertThat(g.process(backup).orElseThrow().ancestor()).isEqualTo(primary);

        g.processStop(primary);
        PairTest.await("the takeover", () -> PairPrograms.TAKEOVERS.size() == 1);
        assertThat(g.processGetPairInfo(CTR).primary()).isEqualTo(backup);
        assertThat(g.processGetPairInfo(CTR).ancestor()).isEqualTo(creator);
        PairTest.await("the new primary's ancestor", () -> creator.equals(g.process(backup).orElseThrow().ancestor()));

        // The operator's pair: no ancestor, before and after a switch.
        ProcessName op = ProcessName.of("$OPR");
        g.processSpawn(SpawnRequest.of(Program.hosted(PairPrograms.Counter.class)).name(op).cpu(1).args("2", "temporary")
                .build());
        PairTest.await("a ready backup of $OPR", () -> {
            NameEntry e = new NodeTables(node.cpu(0).engine()).names().get(op.toString());
            return e != null && e.backup() != null && e.ready();
        });
        g.switchPair(op);
        // Decided by the primary's CPU, 1, where $OPR was also named.
        PairTest.await("the switch", () -> g.processGetPairInfo(op).epoch() == Epochs.next(Epochs.first(1), 1));
        assertThat(g.processGetPairInfo(op).ancestor()).isNull();
        assertThat(g.processGetPairInfo(CTR).ancestor()).isEqualTo(creator);
    }

    private ProcessHandle awaitReadyBackup() {
        PairTest.await("a ready backup", () -> {
            NameEntry e = new NodeTables(node.cpu(0).engine()).names().get(CTR.toString());
            return e != null && e.backup() != null && e.ready();
        });
        return g.processGetPairInfo(CTR).backup();
    }
}
