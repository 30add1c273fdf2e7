package org.openpair.emulator.security;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

import org.openpair.emulator.cluster.Table;
import org.openpair.emulator.cluster.Update;
import org.openpair.emulator.cluster.UpdateDraft;
import org.openpair.emulator.codec.Codec;

/**
 * A table whose records carry a {@link Seal} made with the node key, over the engine, which
 * anyone who reaches its port may write (Hazelcast open source asks no credential). Without a
 * key it is the table underneath, unchanged.
 *
 * <p>With a key, every record written through it is sealed: the MAC covers the entry's key in
 * the table and the record's codec encoding without its seal, for a purpose string of its own
 * table, so a record can be neither changed nor moved to another key nor passed off as
 * another table's. Every read verifies: a record whose seal fails is treated as absent, logged
 * once per change of it as "forged or altered", and reported ({@link #onForged}). Callers see
 * records without their seal, so that they compare as they do without a key.
 *
 * <p>An {@link Update} is not sent to the entry's partition with a key: the member that would
 * run it there must not be trusted to judge the current value (it would need the key to tell a
 * forged one), and the new value must be sealed by whoever decided it. So the writer reads and
 * verifies the entry, applies the update to it here (a forged entry counts as absent), seals
 * the result and writes it only if the entry still holds exactly what was read (a conditional
 * replace, put or remove on the raw bytes): the same atomicity, decided by the key's holder.
 */
public final class SealedTable<K, V> implements Table<K, V> {
    private static final System.Logger LOG = System.getLogger(SealedTable.class.getName());
    /** Conditional writes lost to other writers before an update gives up. */
    private static final int MAX_ATTEMPTS = 20;
    /** Forged records remembered for their one warning: a forger writing many keys must not grow it without end. */
    private static final int MAX_WARNED = 10_000;

    /**
     * How a record type carries its seal.
     *
     * @param purpose  the MAC's purpose string, one per table
     * @param codec    the record's codec: the MAC covers its encoding of the record without seal
     * @param sealOf   the record's seal, or {@code null}
     * @param withSeal the record with that seal ({@code null}: without one)
     */
    public record Sealing<V>(String purpose, Codec<V> codec, Function<V, Seal> sealOf, BiFunction<V, Seal, V> withSeal) {
    }

    /** What a read found. */
    public enum State {
        ABSENT,
        /** A record is there, but its seal fails: not written by a holder of the key. */
        FORGED,
        AUTHENTIC
    }

    /**
     * One read of an entry: what it is, the record without its seal (authentic only) and the
     * raw record as stored, which a {@link #restore} replaces only if it is still there.
     */
    public record Reading<V>(State state, V value, V raw) {
    }

    private final String name;
    private final Table<K, V> inner;
    private final NodeKey key;
    private final Sealing<V> sealing;
    /** The forged record last warned about, per key: one warning per change of it. */
    private final ConcurrentMap<K, V> warned = new ConcurrentHashMap<>();
    private volatile Consumer<K> onForged = k -> { };
    private volatile BiConsumer<K, V> witness = (k, v) -> { };

    /**
     * @param name    the table's name, for the log
     * @param key     the node key, or {@code null}: the table as it is
     */
    public SealedTable(String name, Table<K, V> inner, NodeKey key, Sealing<V> sealing) {
        this.name = name;
        this.inner = inner;
        this.key = key;
        this.sealing = sealing;
    }

    /** Whether records are sealed and verified here. */
    public boolean keyed() {
        return key != null;
    }

    /**
     * Runs {@code action} with the key of each forged or altered record a read meets, on the
     * reading thread (which may be the engine's: hand work off).
     */
    public void onForged(Consumer<K> action) {
        this.onForged = action;
    }

    /**
     * Runs {@code action} with every authentic record read or written here, on that thread:
     * what the repair learns the truth from.
     */
    public void witness(BiConsumer<K, V> action) {
        this.witness = action;
    }

    /** Reads an entry with what it is: absent, forged, or authentic (with or without a key). */
    public Reading<V> read(K k) {
        V raw = inner.get(k);
        if (raw == null) {
            return new Reading<>(State.ABSENT, null, null);
        }
        V v = verified(k, raw);
        return new Reading<>(v == null ? State.FORGED : State.AUTHENTIC, v, raw);
    }

    /**
     * Writes {@code truth}, sealed, in place of {@code seen} (the raw record of a
     * {@link #read}, or {@code null} when the entry was absent), only if the entry still holds
     * exactly that: a change made meanwhile by someone else is never overwritten.
     */
    public boolean restore(K k, V seen, V truth) {
        V sealed = sealed(k, truth);
        boolean done = seen == null ? inner.putIfAbsent(k, sealed) == null : inner.replace(k, seen, sealed);
        if (done) {
            witnessed(k, truth);
        }
        return done;
    }

    private V verified(K k, V raw) {
        if (raw == null) {
            return null;
        }
        if (key == null) {
            return raw;
        }
        V bare = sealing.withSeal().apply(raw, null);
        Seal seal = sealing.sealOf().apply(raw);
        if (seal != null && key.verify(sealing.purpose(), seal.mac(), keyBytes(k), sealing.codec().encode(bare))) {
            warned.remove(k);
            witness.accept(k, bare);
            return bare;
        }
        if (warned.size() >= MAX_WARNED) {
            warned.clear();
        }
        V before = warned.put(k, raw);
        if (!raw.equals(before)) {
            LOG.log(System.Logger.Level.WARNING, "{0}: the record of {1} is forged or altered (its seal {2}): "
                    + "treated as absent", name, k, seal == null ? "is missing" : "does not match");
        }
        onForged.accept(k);
        return null;
    }

    private V sealed(K k, V value) {
        if (key == null || value == null) {
            return value;
        }
        V bare = sealing.withSeal().apply(value, null);
        return sealing.withSeal().apply(bare, new Seal(key.mac(sealing.purpose(), keyBytes(k),
                sealing.codec().encode(bare))));
    }

    private static byte[] keyBytes(Object k) {
        return String.valueOf(k).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public V get(K k) {
        return verified(k, inner.get(k));
    }

    @Override
    public boolean containsKey(K k) {
        return key == null ? inner.containsKey(k) : get(k) != null;
    }

    @Override
    public CompletionStage<V> getAsync(K k) {
        return key == null ? inner.getAsync(k) : inner.getAsync(k).thenApply(raw -> verified(k, raw));
    }

    @Override
    public Map<K, V> getAll(Set<K> keys) {
        if (key == null) {
            return inner.getAll(keys);
        }
        Map<K, V> result = new LinkedHashMap<>();
        inner.getAll(keys).forEach((k, raw) -> {
            V v = verified(k, raw);
            if (v != null) {
                result.put(k, v);
            }
        });
        return result;
    }

    @Override
    public void set(K k, V value) {
        inner.set(k, sealed(k, value));
        witnessed(k, value);
    }

    private void witnessed(K k, V value) {
        if (key != null && value != null) {
            witness.accept(k, sealing.withSeal().apply(value, null));
        }
    }

    /** With a key, a forged record counts as absent here too: it is replaced. */
    @Override
    public V putIfAbsent(K k, V value) {
        if (key == null) {
            return inner.putIfAbsent(k, value);
        }
        V sealed = sealed(k, value);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            V raw = inner.putIfAbsent(k, sealed);
            if (raw == null) {
                witnessed(k, value);
                return null;
            }
            V held = verified(k, raw);
            if (held != null) {
                return held;
            }
            if (inner.replace(k, raw, sealed)) {
                witnessed(k, value);
                LOG.log(System.Logger.Level.WARNING, "{0}: the forged record of {1} was replaced by a new one", name, k);
                return null;
            }
        }
        throw contention(k);
    }

    @Override
    public boolean replace(K k, V expected, V value) {
        boolean done = inner.replace(k, sealed(k, expected), sealed(k, value));
        if (done) {
            witnessed(k, value);
        }
        return done;
    }

    @Override
    public V remove(K k) {
        V raw = inner.remove(k);
        return key == null ? raw : raw == null ? null : verified(k, raw);
    }

    @Override
    public boolean remove(K k, V expected) {
        return inner.remove(k, sealed(k, expected));
    }

    /** With a key, the keys of authentic records only. */
    @Override
    public Set<K> keySet() {
        return key == null ? inner.keySet() : Set.copyOf(getAll(inner.keySet()).keySet());
    }

    /** With a key, the authentic records only. */
    @Override
    public Collection<V> values() {
        return key == null ? inner.values() : List.copyOf(getAll(inner.keySet()).values());
    }

    /** With a key, the number of authentic records (a read of them all). */
    @Override
    public int size() {
        return key == null ? inner.size() : getAll(inner.keySet()).size();
    }

    @Override
    public <R> R update(K k, Update<K, V, R> update) {
        if (key == null) {
            return inner.update(k, update);
        }
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            V raw = inner.get(k);
            UpdateDraft<K, V> draft = new UpdateDraft<>(k, verified(k, raw));
            R result = update.apply(draft);
            if (!draft.written()) {
                return result;
            }
            V next = sealed(k, draft.getValue());
            boolean written;
            if (raw == null) {
                written = next == null || inner.putIfAbsent(k, next) == null;
            } else if (next == null) {
                written = inner.remove(k, raw);
            } else {
                written = inner.replace(k, raw, next);
            }
            if (written) {
                witnessed(k, draft.getValue());
                return result;
            }
        }
        throw contention(k);
    }

    /** With a key, made here as {@link #update} is, on a thread of the common pool. */
    @Override
    public <R> CompletionStage<R> updateAsync(K k, Update<K, V, R> update) {
        return key == null ? inner.updateAsync(k, update) : CompletableFuture.supplyAsync(() -> update(k, update));
    }

    /** With a key, only authentic records reach {@code listener}. */
    @Override
    public UUID onAdded(BiConsumer<K, V> listener) {
        if (key == null) {
            return inner.onAdded(listener);
        }
        return inner.onAdded((k, raw) -> {
            V v = verified(k, raw);
            if (v != null) {
                listener.accept(k, v);
            }
        });
    }

    @Override
    public UUID onKeyChanged(Consumer<K> listener) {
        return inner.onKeyChanged(listener);
    }

    @Override
    public UUID onKeyChanged(K key, Consumer<K> listener) {
        return inner.onKeyChanged(key, listener);
    }

    @Override
    public void onEntriesLost(Runnable listener) {
        inner.onEntriesLost(listener);
    }

    @Override
    public void stopListening(UUID registration) {
        inner.stopListening(registration);
    }

    private IllegalStateException contention(K k) {
        return new IllegalStateException(name + ": the entry of " + k + " changed under " + MAX_ATTEMPTS
                + " writes in a row");
    }
}
