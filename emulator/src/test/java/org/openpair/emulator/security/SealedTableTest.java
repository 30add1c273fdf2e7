package org.openpair.emulator.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.cluster.InMemoryTables;
import org.openpair.emulator.cluster.Table;
import org.openpair.emulator.cluster.Update;
import org.openpair.emulator.cpu.NodeEngineSettings;
import org.openpair.emulator.names.Epochs;
import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.names.NameTableQuorum;
import org.openpair.emulator.names.NameUpdates;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;

/**
 * The sealed tables over the in-memory store, held to the engine's table contract: what a
 * holder of the key writes reads back as written; whatever else is in the store (written
 * without the key, with another key, altered, moved to another key) reads as absent, is never
 * the basis of an update, and is reported; without a key nothing changes.
 */
class SealedTableTest {
    private static final NodeKey KEY = NodeKey.random();
    private static final ProcessName SRV = ProcessName.of("$SRV");
    private static final Instant CREATED = Instant.parse("2026-12-06T00:00:00Z");
    private static final ProcessHandle P0 = new ProcessHandle("N", 0, 10, 1000);
    private static final ProcessHandle B1 = new ProcessHandle("N", 1, 11, 1001);

    private final InMemoryTables store = new InMemoryTables(NodeEngineSettings.codecs());
    private final NodeTables keyed = new NodeTables(store, Optional.of(KEY));
    /** What an attacker with the engine's own client writes: the tables, without the key. */
    private final Table<String, NameEntry> raw = store.table(NodeTables.NAMES);
    private final Table<Integer, NodeTables.CpuRecord> rawCpus = store.table(NodeTables.CPUS);

    @AfterEach
    void close() {
        store.close();
    }

    private static NameEntry pair(long epoch) {
        return new NameEntry(SRV, P0, B1, epoch, CREATED, false, true, null);
    }

    @Test
    void withoutAKey_theTableStoresTheRecordsAsTheyAre() {
        NodeTables plain = new NodeTables(store);
        plain.names().set("$SRV", pair(Epochs.first(0)));
        assertThat(raw.get("$SRV")).isEqualTo(pair(Epochs.first(0)));
        assertThat(raw.get("$SRV").seal()).isNull();
        // An unsealed record is the table's as it is: nothing is refused without a key.
        raw.set("$SRV", pair(1L << 62));
        assertThat(plain.names().get("$SRV").epoch()).isEqualTo(1L << 62);
        assertThat(plain.nameRecords().keyed()).isFalse();
    }

    @Test
    void aHolderOfTheKey_readsWhatItWrote_withoutTheSeal_whichTheStoreHolds() {
        assertThat(keyed.names().putIfAbsent("$SRV", pair(Epochs.first(0)))).isNull();
        assertThat(keyed.names().get("$SRV")).isEqualTo(pair(Epochs.first(0)));
        assertThat(raw.get("$SRV").seal()).isNotNull();
        assertThat(raw.get("$SRV").withSeal(null)).isEqualTo(pair(Epochs.first(0)));
        assertThat(keyed.names().values()).containsExactly(pair(Epochs.first(0)));
        assertThat(keyed.names().keySet()).containsExactly("$SRV");
        // Conditional writes compare with the record as read: the seal is made again, the same.
        assertThat(keyed.names().replace("$SRV", pair(Epochs.first(0)), pair(Epochs.next(Epochs.first(0), 1)))).isTrue();
        assertThat(keyed.names().remove("$SRV", pair(Epochs.first(0)))).isFalse();
        assertThat(keyed.names().remove("$SRV", pair(Epochs.next(Epochs.first(0), 1)))).isTrue();
        assertThat(raw.get("$SRV")).isNull();
    }

    @Test
    void forgedAlteredStrippedMovedOrOtherKeyRecords_readAsAbsent_andAreReported() {
        List<String> reported = new CopyOnWriteArrayList<>();
        keyed.nameRecords().onForged(reported::add);
        keyed.names().set("$SRV", pair(Epochs.first(0)));
        keyed.names().set("$OK", new NameEntry(ProcessName.of("$OK"), P0, null, Epochs.first(0), CREATED, false,
                false, null));
        NameEntry sealed = raw.get("$SRV");

        // Forged: a new name written straight into the engine, without a seal.
        raw.set("$FAKE", new NameEntry(ProcessName.of("$FAKE"), P0, null, Epochs.first(0), CREATED, false, false, null));
        assertThat(keyed.names().get("$FAKE")).isNull();
        assertThat(keyed.names().containsKey("$FAKE")).isFalse();
        // Altered, the seal kept: primary and backup swapped, or the epoch raised.
        raw.set("$SRV", new NameEntry(SRV, B1, P0, sealed.epoch(), CREATED, false, true, null, sealed.seal()));
        assertThat(keyed.names().get("$SRV")).isNull();
        raw.set("$SRV", new NameEntry(SRV, P0, B1, 1L << 62, CREATED, false, true, null, sealed.seal()));
        assertThat(keyed.names().get("$SRV")).isNull();
        // Stripped of its seal; sealed with another node's key; a valid record moved to another name.
        raw.set("$SRV", sealed.withSeal(null));
        assertThat(keyed.names().get("$SRV")).isNull();
        new NodeTables(store, Optional.of(NodeKey.random())).names().set("$SRV", pair(Epochs.first(0)));
        assertThat(keyed.names().get("$SRV")).isNull();
        raw.set("$MOVED", sealed);
        assertThat(keyed.names().get("$MOVED")).isNull();

        assertThat(keyed.names().keySet()).containsExactly("$OK");
        assertThat(keyed.names().values()).extracting(NameEntry::name).containsExactly(ProcessName.of("$OK"));
        assertThat(keyed.names().getAll(Set.of("$SRV", "$FAKE", "$MOVED", "$OK"))).containsOnlyKeys("$OK");
        assertThat(reported).contains("$FAKE", "$SRV", "$MOVED").doesNotContain("$OK");
        // Nothing else changed: the good entry reads as written.
        assertThat(keyed.names().get("$OK").primary()).isEqualTo(P0);
    }

    @Test
    void aForgedEntry_doesNotBlockItsName_aClaimReplacesIt() {
        raw.set("$SRV", new NameEntry(SRV, B1, null, 1L << 62, CREATED, false, false, null));
        assertThat(keyed.names().putIfAbsent("$SRV", pair(Epochs.first(0)))).isNull();
        assertThat(keyed.names().get("$SRV")).isEqualTo(pair(Epochs.first(0)));
    }

    @Test
    void anUpdate_neverDecidesOnAForgedEntry_evenWithAHigherEpoch_andWritesASealedResult() {
        long epoch = Epochs.first(0);
        keyed.names().set("$SRV", pair(epoch));
        NameUpdates.Result switched = keyed.names().update("$SRV", new NameUpdates.Switch(P0, B1, epoch, 1));
        assertThat(switched.outcome()).isEqualTo(NameUpdates.Outcome.DONE);
        long next = Epochs.next(epoch, 1);
        assertThat(keyed.names().get("$SRV")).isEqualTo(new NameEntry(SRV, B1, P0, next, CREATED, false, true, null));
        assertThat(raw.get("$SRV").seal()).isNotNull();

        // A forged entry at epoch 2^62 naming the old primary: the writer sees no entry, so the
        // forged epoch is no basis for anything and nothing is written on it.
        NameEntry forged = new NameEntry(SRV, P0, B1, 1L << 62, CREATED, false, true, null);
        raw.set("$SRV", forged);
        assertThat(keyed.names().update("$SRV", new NameUpdates.Switch(P0, B1, 1L << 62, 2)).outcome())
                .isEqualTo(NameUpdates.Outcome.NOT_HELD);
        assertThat(keyed.names().update("$SRV", new NameUpdates.RetireMember(P0, 2)).outcome())
                .isEqualTo(NameUpdates.Outcome.NOT_HELD);
        assertThat(raw.get("$SRV")).isEqualTo(forged);
    }

    @Test
    void anUpdate_isWrittenOnlyIfTheEntryStillHoldsWhatItDecidedOn_elseDecidedAgain() {
        long epoch = Epochs.first(0);
        keyed.names().set("$SRV", pair(epoch));
        AtomicInteger decisions = new AtomicInteger();
        Update<String, NameEntry, Long> bump = entry -> {
            if (decisions.incrementAndGet() == 1) {
                // Another writer changes the entry between this one's read and its write.
                keyed.names().set("$SRV", pair(Epochs.next(epoch, 2)));
            }
            NameEntry e = entry.getValue();
            entry.setValue(pair(Epochs.next(e.epoch(), 1)));
            return e.epoch();
        };
        long decidedOn = keyed.names().update("$SRV", bump);
        assertThat(decisions.get()).isEqualTo(2);
        assertThat(decidedOn).isEqualTo(Epochs.next(epoch, 2));
        assertThat(keyed.names().get("$SRV").epoch()).isEqualTo(Epochs.next(Epochs.next(epoch, 2), 1));
    }

    @Test
    void anUpdateRefusedForWantOfQuorum_isTheQuorumRefusal_error66ForTheCaller_andWritesNothing() {
        long epoch = Epochs.first(0);
        keyed.names().set("$SRV", pair(epoch));
        store.refuseWrites(NodeTables.NAMES, true);
        Throwable refused = catchThrowable(() -> NameTableQuorum.write("CPU 0", "a switch of $SRV",
                () -> keyed.names().update("$SRV", new NameUpdates.Switch(P0, B1, epoch, 0))));
        assertThat(refused).isInstanceOf(GuardianException.class);
        assertThat(((GuardianException) refused).error()).isEqualTo(66);
        store.refuseWrites(NodeTables.NAMES, false);
        assertThat(keyed.names().get("$SRV")).isEqualTo(pair(epoch));
    }

    @Test
    void restore_replacesWhatWasSeen_only() {
        SealedTable<String, NameEntry> names = keyed.nameRecords();
        List<NameEntry> witnessed = new CopyOnWriteArrayList<>();
        names.witness((k, v) -> witnessed.add(v));
        raw.set("$SRV", new NameEntry(SRV, B1, P0, 1L << 62, CREATED, false, true, null));
        SealedTable.Reading<NameEntry> seen = names.read("$SRV");
        assertThat(seen.state()).isEqualTo(SealedTable.State.FORGED);
        assertThat(seen.value()).isNull();
        assertThat(witnessed).isEmpty();
        assertThat(names.restore("$SRV", seen.raw(), pair(Epochs.first(0)))).isTrue();
        assertThat(names.read("$SRV").state()).isEqualTo(SealedTable.State.AUTHENTIC);
        assertThat(names.read("$SRV").value()).isEqualTo(pair(Epochs.first(0)));
        // What was seen is gone: a restore on it does not overwrite the entry now there.
        assertThat(names.restore("$SRV", seen.raw(), pair(Epochs.first(1)))).isFalse();
        assertThat(names.restore("$SRV", null, pair(Epochs.first(1)))).isFalse();
        assertThat(names.get("$SRV")).isEqualTo(pair(Epochs.first(0)));
        assertThat(witnessed).allMatch(e -> e.equals(pair(Epochs.first(0))));
        raw.remove("$SRV");
        assertThat(names.read("$SRV").state()).isEqualTo(SealedTable.State.ABSENT);
    }

    @Test
    void aCpuRecordWithAnotherLinkPort_readsAsAbsent_theCpusOwnAsWritten() {
        NodeTables.CpuRecord mine = new NodeTables.CpuRecord(1, "5f2c3b1e-0000-4000-8000-000000000001",
                "127.0.0.1:5702", CREATED, 41001);
        keyed.cpus().set(1, mine);
        keyed.cpus().set(2, new NodeTables.CpuRecord(2, "u2", "127.0.0.1:5703", CREATED, 41002));
        NodeTables.CpuRecord sealed = rawCpus.get(1);
        rawCpus.set(1, new NodeTables.CpuRecord(1, mine.memberUuid(), mine.address(), mine.started(), 9, sealed.seal()));
        assertThat(keyed.cpus().get(1)).isNull();
        assertThat(keyed.cpus().keySet()).containsExactly(2);
        rawCpus.set(1, sealed);
        assertThat(keyed.cpus().get(1)).isEqualTo(mine);
        // The record of CPU 1 is no record of CPU 2.
        rawCpus.set(2, sealed);
        assertThat(keyed.cpus().get(2)).isNull();
    }
}
