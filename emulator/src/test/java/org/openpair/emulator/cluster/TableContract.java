package org.openpair.emulator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.openpair.emulator.names.Epochs;
import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.names.NameUpdates;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;

/**
 * What the runtime relies on from a {@link TableStore}, run against the engine
 * ({@code EngineTableContractTest}, real members) and the in-memory store
 * ({@code InMemoryTableContractTest}) alike, with the runtime's own values and updates. Each
 * test uses keys of its own, so the store may be shared by the tests of a class.
 */
abstract class TableContract {
    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final AtomicInteger KEYS = new AtomicInteger();
    private static final Instant CREATED = Instant.parse("2026-12-06T00:00:00Z");

    /** The store under test, with the node's tables. */
    abstract TableStore store();

    private Table<String, NameEntry> names() {
        return store().table(NodeTables.NAMES);
    }

    private Table<String, ProcessInfo> processes() {
        return store().table(NodeTables.PROCESSES);
    }

    private static String key() {
        return "$K" + KEYS.incrementAndGet();
    }

    private static ProcessHandle handle(int cpu, int pin) {
        return new ProcessHandle("N", cpu, pin, 1000L + pin);
    }

    private static ProcessInfo process(ProcessHandle h) {
        return new ProcessInfo(h, null, null, 150, 0, CREATED, null, null);
    }

    private static NameEntry entry(String name, ProcessHandle primary, ProcessHandle backup, boolean ready) {
        return new NameEntry(ProcessName.of(name), primary, backup, Epochs.first(primary.cpu()), CREATED, false, ready,
                null);
    }

    @Test
    void plainWrites_andReads_returnEqualValues() {
        String a = key();
        String b = key();
        NameEntry ea = entry(a, handle(0, 1), null, false);
        NameEntry eb = entry(b, handle(1, 2), handle(0, 3), true);

        names().set(a, ea);
        names().set(b, eb);

        assertThat(names().get(a)).isEqualTo(ea);
        assertThat(names().containsKey(b)).isTrue();
        assertThat(names().containsKey(key())).isFalse();
        assertThat(names().get(key())).isNull();
        assertThat(names().getAll(Set.of(a, b, key()))).isEqualTo(Map.of(a, ea, b, eb));
        assertThat(names().keySet()).contains(a, b);
        assertThat(names().values()).contains(ea, eb);
        assertThat(names().size()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void putIfAbsent_keepsTheFirst_andAnswersIt() {
        String k = key();
        NameEntry first = entry(k, handle(0, 1), null, false);

        assertThat(names().putIfAbsent(k, first)).isNull();
        assertThat(names().putIfAbsent(k, entry(k, handle(1, 1), null, false))).isEqualTo(first);
        assertThat(names().get(k)).isEqualTo(first);
    }

    @Test
    void conditionalReplaceAndRemove_compareByValue_notByInstance() {
        String k = key();
        NameEntry held = entry(k, handle(0, 1), null, false);
        names().set(k, held);
        NameEntry next = entry(k, handle(0, 1), handle(1, 2), false);

        assertThat(names().replace(k, entry(k, handle(2, 9), null, false), next)).isFalse();
        assertThat(names().replace(k, entry(k, handle(0, 1), null, false), next)).isTrue();
        assertThat(names().get(k)).isEqualTo(next);
        assertThat(names().remove(k, held)).isFalse();
        assertThat(names().remove(k, entry(k, handle(0, 1), handle(1, 2), false))).isTrue();
        assertThat(names().get(k)).isNull();
        assertThat(names().replace(k, held, next)).as("an absent entry is not replaced").isFalse();
        assertThat(names().get(k)).isNull();
    }

    @Test
    void remove_answersWhatWasThere() {
        String k = key();
        NameEntry held = entry(k, handle(0, 1), null, false);
        names().set(k, held);

        assertThat(names().remove(k)).isEqualTo(held);
        assertThat(names().remove(k)).isNull();
    }

    @Test
    void anUpdate_decidesOnTheCurrentValue_writes_removes_andAnswers() {
        String k = key();
        ProcessHandle primary = handle(0, 1);
        ProcessHandle backup = handle(1, 2);
        names().set(k, entry(k, primary, backup, true));

        NameUpdates.Result promoted = names().update(k, new NameUpdates.RetireMember(primary, 1));
        assertThat(promoted.outcome()).isEqualTo(NameUpdates.Outcome.PROMOTED);
        assertThat(promoted.after().primary()).isEqualTo(backup);
        assertThat(names().get(k)).isEqualTo(promoted.after());

        NameUpdates.Result again = names().update(k, new NameUpdates.RetireMember(primary, 1));
        assertThat(again.outcome()).as("the same death told twice").isEqualTo(NameUpdates.Outcome.NOT_HELD);
        assertThat(names().get(k)).isEqualTo(promoted.after());

        NameUpdates.Result removed = names().update(k, new NameUpdates.RetireMember(backup, 1));
        assertThat(removed.outcome()).isEqualTo(NameUpdates.Outcome.REMOVED);
        assertThat(names().containsKey(k)).isFalse();

        NameUpdates.Result absent = names().update(k, new NameUpdates.RetireMember(backup, 1));
        assertThat(absent.outcome()).isEqualTo(NameUpdates.Outcome.NOT_HELD);
        assertThat(names().containsKey(k)).as("an update that writes nothing creates nothing").isFalse();
    }

    @Test
    void anUpdate_ofAnotherTable_andItsAnswer_travelByTheirCodecs() {
        String k = key();
        ProcessHandle p = handle(0, 7);
        processes().set(k, process(p));

        assertThat(processes().update(k, new NodeTables.SetAncestorIfHeldBy(p, handle(2, 2)))).isTrue();
        assertThat(processes().get(k).ancestor()).isEqualTo(handle(2, 2));
        assertThat(processes().update(k, new NodeTables.RemoveIfHeldBy<>(handle(0, 8)))).isNull();
        assertThat(processes().update(k, new NodeTables.RemoveIfHeldBy<>(p))).isEqualTo(
                new ProcessInfo(p, null, null, 150, 0, CREATED, handle(2, 2), null));
        assertThat(processes().get(k)).isNull();
    }

    @Test
    void anAsynchronousUpdate_answersLater_withTheSameResult() throws Exception {
        String k = key();
        ProcessHandle primary = handle(0, 1);
        names().set(k, entry(k, primary, null, false));

        NameUpdates.Result r = names().updateAsync(k, new NameUpdates.AttachBackup(primary, handle(1, 4)))
                .toCompletableFuture().get(BOUND.toMillis(), TimeUnit.MILLISECONDS);

        assertThat(r.outcome()).isEqualTo(NameUpdates.Outcome.DONE);
        assertThat(names().get(k).backup()).isEqualTo(handle(1, 4));
        assertThat(names().getAsync(k).toCompletableFuture().get(BOUND.toMillis(), TimeUnit.MILLISECONDS))
                .isEqualTo(r.after());
    }

    @Test
    void concurrentUpdatesOfOneKey_eachSeeTheOthersResult() throws Exception {
        // Two CPUs retire the same dead primary at once: exactly one promotes its backup.
        String k = key();
        ProcessHandle primary = handle(0, 1);
        names().set(k, entry(k, primary, handle(1, 2), true));
        List<java.util.concurrent.CompletableFuture<NameUpdates.Result>> racing = List.of(1, 2).stream()
                .map(cpu -> java.util.concurrent.CompletableFuture.supplyAsync(
                        () -> names().update(k, new NameUpdates.RetireMember(primary, cpu))))
                .toList();

        List<NameUpdates.Outcome> outcomes = racing.stream()
                .map(f -> f.orTimeout(BOUND.toMillis(), TimeUnit.MILLISECONDS).join().outcome()).toList();

        assertThat(outcomes).containsExactlyInAnyOrder(NameUpdates.Outcome.PROMOTED, NameUpdates.Outcome.NOT_HELD);
        assertThat(names().get(k).primary()).isEqualTo(handle(1, 2));
    }

    @Test
    void keyListeners_hearAdds_changes_andRemoves_andAddListeners_theValue() throws Exception {
        String k = key();
        BlockingQueue<String> keys = new LinkedBlockingQueue<>();
        BlockingQueue<NameEntry> added = new LinkedBlockingQueue<>();
        UUID byKey = names().onKeyChanged(changed -> {
            if (changed.equals(k)) {
                keys.add(changed);
            }
        });
        UUID onAdd = names().onAdded((key, value) -> {
            if (key.equals(k)) {
                added.add(value);
            }
        });
        try {
            NameEntry first = entry(k, handle(0, 1), null, false);
            names().set(k, first);
            names().update(k, new NameUpdates.AttachBackup(handle(0, 1), handle(1, 1)));
            names().remove(k);

            for (int event = 0; event < 3; event++) {
                assertThat(keys.poll(BOUND.toMillis(), TimeUnit.MILLISECONDS)).as("event %d", event).isEqualTo(k);
            }
            assertThat(added.poll(BOUND.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(first);
        } finally {
            names().stopListening(byKey);
            names().stopListening(onAdd);
        }
    }

    @Test
    void aListenerOnOneKey_hearsThatKey_andNoOther() throws Exception {
        String k = key();
        String other = key();
        BlockingQueue<String> keys = new LinkedBlockingQueue<>();
        UUID byKey = names().onKeyChanged(k, keys::add);
        try {
            names().set(other, entry(other, handle(0, 1), null, false));
            names().set(k, entry(k, handle(0, 2), null, false));
            names().remove(other);
            names().remove(k);

            for (int event = 0; event < 2; event++) {
                assertThat(keys.poll(BOUND.toMillis(), TimeUnit.MILLISECONDS)).as("event %d", event).isEqualTo(k);
            }
            assertThat(keys).isEmpty();
        } finally {
            names().stopListening(byKey);
        }
    }

    @Test
    void aValueWithoutACodec_isRefused_andNothingIsStored() {
        String k = key();
        Table<String, Object> raw = store().table(NodeTables.NAMES);

        assertThatThrownBy(() -> raw.set(k, new Object() { })).isInstanceOf(RuntimeException.class);
        assertThat(raw.containsKey(k)).isFalse();
    }

    @Test
    void anIndex_holdsASetPerKey() {
        MultiTable<Integer, String> index = store().multiTable(NodeTables.CPU_PROCESSES);
        int cpu = 1000 + KEYS.incrementAndGet();

        assertThat(index.put(cpu, "0,1")).isTrue();
        assertThat(index.put(cpu, "0,1")).as("a value already there").isFalse();
        assertThat(index.put(cpu, "0,2")).isTrue();
        assertThat(index.get(cpu)).containsExactlyInAnyOrder("0,1", "0,2");
        assertThat(index.valueCount(cpu)).isEqualTo(2);
        assertThat(index.remove(cpu, "0,1")).isTrue();
        assertThat(index.remove(cpu, "0,1")).isFalse();
        assertThat(index.get(cpu)).containsExactly("0,2");
        assertThat(index.get(cpu + 1)).isEmpty();
        assertThat(index.valueCount(cpu + 1)).isZero();
    }
}
