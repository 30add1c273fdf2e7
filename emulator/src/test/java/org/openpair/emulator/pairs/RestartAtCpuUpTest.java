package org.openpair.emulator.pairs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.launch.Logging;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.SystemMessage;

/**
 * Restart at CPU up (-3): a primary whose backup's CPU failed, with no other CPU to put a new
 * backup on, re-creates it on the CPU that comes up next, at once rather than on its retry timer.
 */
class RestartAtCpuUpTest {
    private static final ProcessName CTR = ProcessName.of("$CTR");
    private Logging.Capture pairLog;
    private EmbeddedNode node;

    @BeforeEach
    void start() {
        PairPrograms.reset();
        pairLog = Logging.capture(System.Logger.Level.INFO, false, PairMember.class.getName());
        // Three CPUs configured, two up; a quorum of 1 so that the primary outlives CPU 1.
        node = EmbeddedNode.start(TestNodes.config(3).quorum(1).build(), List.of(0, 1));
    }

    @AfterEach
    void close() {
        pairLog.close();
        node.close();
    }

    @Test
    void permanentPair_backupCpuLost_noOtherCpu_backupRecreatedWhenACpuComesUp() {
        Guardian g = node.cpu(0).guardian();
        ProcessHandle primary = g.processSpawn(SpawnRequest.of(Program.hosted(PairPrograms.Counter.class)).name(CTR)
                .cpu(0).args("1", "permanent").build());
        await("a ready backup on CPU 1", () -> ready(1));

        node.cpu(1).crash();
        // The primary was told, and found no CPU for a new backup.
        await("the -2 for CPU 1", () -> messages().stream().anyMatch(m -> m instanceof SystemMessage.CpuDown d
                && d.cpu() == 1));
        // Its retry timer backs off (1, 2, 4, 8, 16 s): once the next retry is 16 s away, a CPU comes up.
        await("a retry 16 s away", () -> log().stream().anyMatch(l -> l.startsWith("$CTR: no CPU for a backup")
                && l.matches(".*retrying in 16.?000 ms.*")));
        assertThat(entry().backup()).isNull();

        node.startCpu(2);

        await("a ready backup on CPU 2", () -> ready(2));
        assertThat(messages()).anyMatch(m -> m instanceof SystemMessage.CpuUp u && u.cpu() == 2);
        // Re-created because the CPU came up, not by the timer (the line is logged just after the backup is ready).
        await("the re-creation's log line", () -> log().stream().anyMatch(l -> l.startsWith("$CTR: backup re-created")));
        assertThat(log()).contains("$CTR: backup re-created on CPU 2 (CPU 2 came up)");
        assertThat(entry().primary()).isEqualTo(primary);
        // The new backup holds the state: the counter goes on from it after a takeover.
        // Ready means the snapshot was acknowledged; the counter's first acknowledged checkpoint may come just after.
        await("a checkpoint acknowledged by the new backup",
                () -> PairPrograms.LAST_ACKED.containsKey("$CTR@" + primary.cpuPin()));
        long acked = PairPrograms.LAST_ACKED.get("$CTR@" + primary.cpuPin());
        g.processStop(primary);
        await("the takeover", () -> !PairPrograms.TAKEOVERS.isEmpty());
        assertThat((Long) PairPrograms.TAKEOVERS.get(0)[1]).isGreaterThanOrEqualTo(acked);
    }

    private boolean ready(int backupCpu) {
        NameEntry e = entry();
        return e != null && e.backup() != null && e.backup().cpu() == backupCpu && e.ready();
    }

    private NameEntry entry() {
        return new NodeTables(node.cpu(0).engine()).names().get(CTR.toString());
    }

    private static List<SystemMessage> messages() {
        return PairPrograms.MESSAGES.getOrDefault("$CTR", List.of());
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) {
        PairTest.await(what, condition);
    }

    private List<String> log() {
        return pairLog.lines().stream().map(Logging.Capture.Line::message).toList();
    }
}
