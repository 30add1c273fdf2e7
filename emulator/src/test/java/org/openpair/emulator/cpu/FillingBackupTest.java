package org.openpair.emulator.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.messages.MessagePrograms;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;

/**
 * A primary whose new backup is still being filled answers at once, as one without a backup
 * does: the backup cannot take over before it is ready, so nothing waits for it. And the
 * backup is ready only once it holds what those answers changed: after the primary's CPU
 * crashes, the backup that took over goes on from the answered state. The fill is held on the
 * backup's CPU (its link's reader waits, as a slow backup's would), so the request is answered
 * while the backup surely is not ready. The pair runs on CPUs 1 and 2, the requester on CPU 0.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FillingBackupTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration REPLY = Duration.ofSeconds(10);
    private static final ProcessName SRV = ProcessName.of("$FIL");

    private EmbeddedNode node;
    private Guardian g;

    @BeforeEach
    void start() {
        node = EmbeddedNode.start(TestNodes.config(3).build(), 3);
        g = node.cpu(0).guardian();
    }

    @AfterEach
    void close() {
        node.cpu(2).releaseCheckpointsForTests();
        node.close();
    }

    @Test
    void aRequestWhileTheBackupIsFilled_isAnsweredAtOnce_andTheReadyBackupHoldsItsChange() {
        node.cpu(2).holdCheckpointsForTests();
        g.processSpawn(SpawnRequest.of(Program.hosted(MessagePrograms.Server.class)).name(SRV.toString()).cpu(1)
                .args("beside:2", "1").build());
        // The backup's state transfer has reached CPU 2 and waits there: its channel is open.
        TestNodes.await("the fill held on CPU 2", WAIT, () -> node.cpu(2).heldCheckpointsForTests() > 0);
        ProcessFile server = g.fileOpen(SRV, 1);

        assertThat(number(server.writeRead(bytes("inc"), REPLY))).as("answered while the backup is filled").isEqualTo(1);
        PairInfo filling = g.processGetPairInfo(SRV);
        assertThat(filling.backup()).as("the backup being filled").isNotNull();
        assertThat(filling.backupReady()).as("not ready while its fill is held").isFalse();

        node.cpu(2).releaseCheckpointsForTests();
        TestNodes.await("a ready backup", WAIT, () -> g.processGetPairInfo(SRV).backupReady());
        node.cpu(1).crash();
        TestNodes.await("the backup's takeover", WAIT, () -> {
            PairInfo p = g.processGetPairInfo(SRV);
            return p.primary() != null && p.primary().cpu() == 2;
        });

        assertThat(number(server.writeRead(bytes("get"), REPLY))).as("the new primary's count").isEqualTo(1);
        assertThat(number(server.writeRead(bytes("inc"), REPLY))).isEqualTo(2);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static long number(byte[] reply) {
        return ByteBuffer.wrap(reply).getLong();
    }
}
