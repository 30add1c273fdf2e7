package org.openpair.emulator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.cpu.NodeEngineSettings;
import org.openpair.emulator.names.NameUpdates;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.ProcessHandle;

/** The table contract on the in-memory store, and what only the in-memory store can show at will. */
class InMemoryTableContractTest extends TableContract {
    private static final InMemoryTables STORE = new InMemoryTables(NodeEngineSettings.codecs());

    @AfterAll
    static void close() {
        STORE.close();
    }

    @Override
    TableStore store() {
        return STORE;
    }

    @Test
    void aSideWithoutTheQuorum_isRefusedEveryWrite_andReadsStillAnswer() throws Exception {
        ProcessHandle p = new ProcessHandle("N", 0, 1, 1);
        try (InMemoryTables alone = new InMemoryTables(NodeEngineSettings.codecs())) {
            Table<String, org.openpair.emulator.names.NameEntry> names = alone.table(NodeTables.NAMES);
            names.set("$Q", org.openpair.emulator.names.NameEntry.single(
                    org.openpair.guardian.ProcessName.of("$Q"), p, java.time.Instant.EPOCH, null));
            alone.refuseWrites(NodeTables.NAMES, true);

            assertThatThrownBy(() -> names.update("$Q", new NameUpdates.RetireMember(p, 0)))
                    .isInstanceOf(QuorumRefusal.class);
            assertThatThrownBy(() -> names.remove("$Q")).isInstanceOf(QuorumRefusal.class);
            assertThatThrownBy(() -> names.updateAsync("$Q", new NameUpdates.Close(p)).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(QuorumRefusal.class);
            assertThat(names.get("$Q").primary()).isEqualTo(p);
            assertThat(alone.<String, String>table(NodeTables.TERMINATIONS).putIfAbsent("x", "y"))
                    .as("another table still takes writes").isNull();
        }
    }

    @Test
    void anUpdateWithoutACodec_isRefusedAsOnTheEngine() {
        Table<String, String> t = STORE.table(NodeTables.TERMINATIONS);
        Update<String, String, String> local = entry -> "ran";
        assertThatThrownBy(() -> t.update("u", local)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no codec");
        assertThat(t.containsKey("u")).isFalse();
        assertThatThrownBy(() -> t.updateAsync("u", local).toCompletableFuture().join())
                .isInstanceOf(CompletionException.class);
    }
}
