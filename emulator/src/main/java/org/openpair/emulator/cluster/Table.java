package org.openpair.emulator.cluster;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/**
 * One node-wide table as the runtime uses it: a partitioned map with a synchronous backup,
 * which survives the loss of any one CPU. Reads and writes of one key are linearizable while
 * the engine's partition owner lives; a change that depends on the current value is an
 * {@link Update}, never a read followed by a write.
 *
 * <p>A call whose key lives on a CPU that is hung waits until the engine declares that CPU
 * down; a CPU's own threads may wait that long, an engine thread never does.
 */
public interface Table<K, V> {
    V get(K key);

    boolean containsKey(K key);

    CompletionStage<V> getAsync(K key);

    Map<K, V> getAll(Set<K> keys);

    /** Stores {@code value}, answering nothing (cheaper than a put that returns the old value). */
    void set(K key, V value);

    /** Stores {@code value} if the key is absent; returns what was there, or {@code null}. */
    V putIfAbsent(K key, V value);

    /** Replaces {@code expected} by {@code value} if the entry still holds {@code expected}. */
    boolean replace(K key, V expected, V value);

    /** Removes the entry; returns what it held. */
    V remove(K key);

    /** Removes the entry if it still holds {@code expected}. */
    boolean remove(K key, V expected);

    /** Every key: a read of every partition, for views and sweeps, never on a hot path. */
    Set<K> keySet();

    /** Every value: a read of every partition, for views and sweeps, never on a hot path. */
    Collection<V> values();

    int size();

    /** Runs {@code update} on the entry of {@code key}, atomically where it lives. */
    <R> R update(K key, Update<K, V, R> update);

    /** {@link #update}, answered later. */
    <R> CompletionStage<R> updateAsync(K key, Update<K, V, R> update);

    /**
     * Runs {@code listener} (on an engine thread: hand work off) with each entry added to the
     * table from now on; returns the registration for {@link #stopListening}.
     */
    UUID onAdded(BiConsumer<K, V> listener);

    /**
     * Runs {@code listener} (on an engine thread: hand work off) with the key of each entry
     * added, changed or removed from now on, without its value; returns the registration for
     * {@link #stopListening}.
     */
    UUID onKeyChanged(java.util.function.Consumer<K> listener);

    /**
     * {@link #onKeyChanged(java.util.function.Consumer)} for the one entry of {@code key}: the
     * engine sends the event only to the registrations whose key matches, so a write to an entry
     * nobody listens to costs no event at all. Registered on every member when this returns: a
     * change after that is heard.
     */
    default UUID onKeyChanged(K key, java.util.function.Consumer<K> listener) {
        return onKeyChanged(changed -> {
            if (key.equals(changed)) {
                listener.accept(changed);
            }
        });
    }

    /**
     * Runs {@code listener} (on an engine thread: hand work off) whenever entries may have gone
     * without an event for each key: the table cleared or evicted as a whole, or a partition lost
     * with its backup. A table that can lose nothing that way never runs it.
     */
    default void onEntriesLost(Runnable listener) {
    }

    void stopListening(UUID registration);
}
