package org.openpair.emulator.names;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cluster.InMemoryMembership;
import org.openpair.emulator.cluster.InMemoryTables;
import org.openpair.emulator.cluster.Table;
import org.openpair.emulator.cpu.NodeEngineSettings;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;

/**
 * The cache's own rules over the in-memory table (its events come on a thread of their own, as
 * the engine's do) and a membership a test drives: what is cached when, what drops it, and its
 * bound. The same rules over real members, with seals, are {@link NameCacheTest}'s.
 */
class NameCacheRulesTest {
    private static final Duration BOUND = Duration.ofSeconds(30);
    private final InMemoryTables store = new InMemoryTables(NodeEngineSettings.codecs());
    private final Table<String, NameEntry> table = new NodeTables(store).names();
    private final InMemoryMembership membership = new InMemoryMembership(0, 1, 2);

    @AfterEach
    void close() {
        store.close();
    }

    private static NameEntry entry(String name, int cpu, long epoch, Instant created) {
        return new NameEntry(ProcessName.of(name), new ProcessHandle("T", cpu, 7, 1L), null, epoch, created, false,
                false, null);
    }

    private NameCache listening(int capacity) {
        NameCache cache = new NameCache(table, capacity);
        cache.listen(membership);
        assertThat(cache.caching()).isTrue();
        return cache;
    }

    /** Reads {@code name} until one read is answered from the cache. */
    private static void awaitCached(NameCache cache, String name) {
        TestNodes.await(name + " answered from the cache", BOUND, () -> {
            long hits = cache.hits();
            cache.get(name);
            return cache.hits() > hits;
        });
    }

    @Test
    void beforeItListens_everyReadIsTheTables() {
        table.set("$A", entry("$A", 1, Epochs.first(1), Instant.now()));
        NameCache cache = new NameCache(table, 8);
        for (int i = 0; i < 5; i++) {
            assertThat(cache.get("$A").primary().cpu()).isEqualTo(1);
        }
        assertThat(cache.hits()).isZero();
        assertThat(cache.reads()).isEqualTo(5);
        assertThat(cache.size()).isZero();
    }

    @Test
    void anAbsentName_isNeverCached() {
        NameCache cache = listening(8);
        for (int i = 0; i < 3; i++) {
            assertThat(cache.get("$NONE")).isNull();
        }
        assertThat(cache.reads()).isEqualTo(3);
        assertThat(cache.hits()).isZero();
        assertThat(cache.size()).isZero();
    }

    @Test
    void aChangeOfTheName_isSeenAfterItsEvent_aChangeOfAnother_leavesItCached() {
        Instant created = Instant.now();
        table.set("$A", entry("$A", 1, Epochs.first(1), created));
        table.set("$B", entry("$B", 1, Epochs.first(1), created));
        NameCache cache = listening(8);
        awaitCached(cache, "$A");
        awaitCached(cache, "$B");
        long next = Epochs.next(Epochs.first(1), 2);
        table.set("$A", entry("$A", 2, next, created));
        TestNodes.await("the new epoch of $A", BOUND, () -> cache.get("$A").epoch() == next);
        long reads = cache.reads();
        assertThat(cache.get("$B").epoch()).isEqualTo(Epochs.first(1));
        assertThat(cache.reads()).isEqualTo(reads);
    }

    @Test
    void aRemovedName_isNotServedOnceItsEventCame() {
        table.set("$A", entry("$A", 1, Epochs.first(1), Instant.now()));
        NameCache cache = listening(8);
        awaitCached(cache, "$A");
        table.remove("$A");
        TestNodes.await("$A gone", BOUND, () -> cache.get("$A") == null);
        assertThat(cache.size()).isZero();
    }

    @Test
    void evidenceOfANewerEpoch_dropsAnOlderEntryAtOnce_notANewerOne() {
        long first = Epochs.first(1);
        table.set("$A", entry("$A", 1, first, Instant.now()));
        NameCache cache = listening(8);
        awaitCached(cache, "$A");
        cache.newerEpoch("$A", first);
        long reads = cache.reads();
        cache.get("$A");
        assertThat(cache.reads()).as("an entry at the epoch shown stays").isEqualTo(reads);
        cache.newerEpoch("$A", Epochs.next(first, 2));
        cache.get("$A");
        assertThat(cache.reads()).as("an older entry goes").isEqualTo(reads + 1);
        awaitCached(cache, "$A");
        cache.stale("$A");
        cache.get("$A");
        assertThat(cache.reads()).as("a refusal drops it whatever its epoch").isEqualTo(reads + 2);
    }

    @Test
    void beyondItsCapacity_theOldestGoes() {
        Instant created = Instant.now();
        for (String n : new String[] {"$A", "$B", "$C"}) {
            table.set(n, entry(n, 1, Epochs.first(1), created));
        }
        NameCache cache = listening(2);
        awaitCached(cache, "$A");
        awaitCached(cache, "$B");
        awaitCached(cache, "$C");
        assertThat(cache.size()).isEqualTo(2);
        long reads = cache.reads();
        cache.get("$C");
        assertThat(cache.reads()).isEqualTo(reads);
        cache.get("$A");
        assertThat(cache.reads()).as("$A was the oldest").isEqualTo(reads + 1);
    }

    @Test
    void aCpuJoiningOrLeaving_orAMerge_dropsEverything() {
        Instant created = Instant.now();
        table.set("$A", entry("$A", 1, Epochs.first(1), created));
        NameCache cache = listening(8);
        awaitCached(cache, "$A");
        membership.join(3);
        assertThat(cache.size()).isZero();
        awaitCached(cache, "$A");
        membership.leave(3);
        assertThat(cache.size()).isZero();
        awaitCached(cache, "$A");
        membership.merge();
        TestNodes.await("the cache to listen again after the merge", BOUND, cache::caching);
        assertThat(cache.size()).isZero();
        awaitCached(cache, "$A");
    }

    @Test
    void aCapacityBelowOne_isRefused() {
        assertThatThrownBy(() -> new NameCache(table, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one");
    }
}
