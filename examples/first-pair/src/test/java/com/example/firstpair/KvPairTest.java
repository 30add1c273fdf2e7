package com.example.firstpair;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.Signal;
import org.openpair.guardian.SpawnRequest;
import org.openpair.testing.TestCluster;

/** Two CPUs as JVMs of their own: the pair keeps a stored value across the death of its primary. */
class KvPairTest {
    private static final ProcessName KV = ProcessName.of("$KV");
    private static final Duration BOUND = Duration.ofSeconds(60);

    @Test
    void primaryKilled_backupTakesOverWithTheState() {
        try (TestCluster cluster = TestCluster.start(2)) {
            Guardian g = cluster.guardian();
            // This project's classes, as 'guardian run --class-path target/classes' would give them.
            String classes = Path.of("target/classes").toAbsolutePath().toString();
            ProcessHandle primary = g.processSpawn(SpawnRequest.of(Program.hosted(KvPair.class)).name(KV).cpu(0)
                    .classPath(List.of(classes)).build());
            TestCluster.awaitCondition("$KV has its backup", BOUND, () -> g.processGetPairInfo(KV).backup() != null);
            assertEquals("OK colour", send(g, "PUT colour green"));

            g.kill(primary, Signal.SIGKILL);

            TestCluster.awaitCondition("the backup on CPU 1 took over", BOUND, () -> {
                PairInfo pair = g.processGetPairInfo(KV);
                return pair.primary() != null && pair.primary().cpu() == 1;
            });
            assertEquals("VAL colour green", send(g, "GET colour"));
        }
    }

    private static String send(Guardian g, String request) {
        ProcessFile file = g.fileOpen(KV, 1);
        try {
            return new String(file.writeRead(request.getBytes(StandardCharsets.UTF_8), BOUND), StandardCharsets.UTF_8);
        } finally {
            file.close();
        }
    }
}
