package org.openpair.emulator.attach;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.contract.ContractProgramsAccess;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.emulator.names.Epochs;
import org.openpair.emulator.os.NativeOs;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.TakeoverCause;

/** A Java OS process does not outlive its CPU, and its pair survives the CPU's loss. */
class AttachDeathTest {
    private EmbeddedNode node;
    private Guardian g;

    @BeforeEach
    void start() {
        node = EmbeddedNode.start(TestNodes.config(2).build(), 2);
        g = node.cpu(0).guardian();
    }

    @AfterEach
    void close() {
        node.close();
    }

    @Test
    void cpuCrash_killsItsJavaOsProcesses_andTheBackupOnTheOtherCpuTakesOver() throws Exception {
        ProcessName n = ProcessName.of("$CTR");
        ProcessHandle primary = g.processSpawn(SpawnRequest.of(Program.java(ContractProgramsAccess.counter()))
                .name(n.toString()).cpu(1).args("0", "temporary").build());
        AttachTest.await("a ready backup", () -> g.processGetPairInfo(n).backup() != null
                && new org.openpair.emulator.node.NodeTables(node.cpu(0).engine()).names().get(n.toString()).ready());
        PairInfo pair = g.processGetPairInfo(n);
        String backupLog = g.process(pair.backup()).orElseThrow().logFile();
        long pid = g.process(primary).orElseThrow().pid();
        assertThat(NativeOs.get().kill(pid, 0)).isTrue();

        node.cpu(1).crash();

        AttachTest.await("the primary's JVM gone", () -> {
            try {
                return !NativeOs.get().kill(pid, 0);
            } catch (org.openpair.emulator.os.NativeException e) {
                return true;
            }
        });
        String takeover = AttachTest.awaitReport(backupLog, "takeover");
        // CPU 1 named the pair; CPU 0, the survivor that swept CPU 1, promoted the backup.
        assertThat(takeover).startsWith(TakeoverCause.CPU_FAILED + "," + Epochs.next(Epochs.first(1), 0) + ","
                + primary + ",-4");
        assertThat(g.processGetPairInfo(n).primary()).isEqualTo(pair.backup());
    }

    @Test
    void cpuShutdown_endsItsJavaOsProcesses_completionCodeMinus4() throws Exception {
        ProcessHandle h = node.cpu(1).guardian().processSpawn(SpawnRequest.of(Program.java(AttachPrograms.Sleeps.class))
                .cpu(1).build());
        assertThat(node.cpu(1).processTable().awaitAttached(h, Duration.ofSeconds(30))).isTrue();
        long pid = g.process(h).orElseThrow().pid();
        node.cpu(1).shutdown();
        AttachTest.await("its end on record", () -> g.termination(h).isPresent());
        assertThat(g.termination(h).orElseThrow().completionCode()).isEqualTo(-4);
        AttachTest.await("its JVM gone", () -> {
            try {
                return !NativeOs.get().kill(pid, 0);
            } catch (org.openpair.emulator.os.NativeException e) {
                return true;
            }
        });
    }
}
