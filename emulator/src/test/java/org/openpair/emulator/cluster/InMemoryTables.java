package org.openpair.emulator.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import org.openpair.emulator.codec.Codec;

/**
 * The node's tables in one JVM's memory, for unit tests of the runtime's table logic, held to
 * the same contract as the engine ({@code TableContract}). What the engine would encode is
 * encoded here too, by the same codecs: a stored value, an update and its answer are copies
 * made through their codec, so a value without a codec, or an update that leans on anything
 * but its own fields, fails here as it would on the engine. A conditional write compares
 * encoded bytes, as the engine does.
 *
 * <p>Events and asynchronous answers come on one thread of their own, in order, as the
 * engine's event and response threads would; a listener must hand work off there too.
 */
public final class InMemoryTables implements TableStore, AutoCloseable {
    private final Map<Class<?>, Codec<?>> codecs = new HashMap<>();
    private final ConcurrentMap<String, MemoryTable<?, ?>> tables = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, MemoryIndex<?, ?>> indexes = new ConcurrentHashMap<>();
    private final Set<String> refusing = ConcurrentHashMap.newKeySet();
    private final ExecutorService events = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "in-memory-tables");
        t.setDaemon(true);
        return t;
    });

    /** @param codecs the codecs the engine would be configured with (unions are skipped) */
    public InMemoryTables(List<Codec<?>> codecs) {
        for (Codec<?> c : codecs) {
            if (!c.isUnion()) {
                this.codecs.put(c.type(), c);
            }
        }
    }

    /** From now on, writes to {@code table} are refused as on a side of a split without the quorum. */
    public void refuseWrites(String table, boolean refuse) {
        if (refuse) {
            refusing.add(table);
        } else {
            refusing.remove(table);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <K, V> Table<K, V> table(String name) {
        return (Table<K, V>) tables.computeIfAbsent(name, MemoryTable::new);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <K, V> MultiTable<K, V> multiTable(String name) {
        return (MultiTable<K, V>) indexes.computeIfAbsent(name, n -> new MemoryIndex<>());
    }

    @Override
    public void close() {
        events.shutdownNow();
    }

    /** A copy through the value's codec; the JDK's own immutable values pass as they are. */
    @SuppressWarnings("unchecked")
    private <T> T copy(T value) {
        if (value == null || isJdkValue(value)) {
            return value;
        }
        Codec<T> codec = (Codec<T>) codecs.get(value.getClass());
        if (codec == null) {
            throw new IllegalArgumentException("no codec for " + value.getClass().getName()
                    + ": the engine would refuse it too");
        }
        return codec.decode(codec.encode(value));
    }

    @SuppressWarnings("unchecked")
    private <T> byte[] bytes(T value) {
        if (value == null) {
            return null;
        }
        if (isJdkValue(value)) {
            return value.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        Codec<T> codec = (Codec<T>) codecs.get(value.getClass());
        if (codec == null) {
            throw new IllegalArgumentException("no codec for " + value.getClass().getName());
        }
        return codec.encode(value);
    }

    private static boolean isJdkValue(Object value) {
        return value instanceof String || value instanceof Number || value instanceof Boolean || value instanceof UUID;
    }

    private final class MemoryTable<K, V> implements Table<K, V> {
        private final String name;
        private final ConcurrentHashMap<K, V> entries = new ConcurrentHashMap<>();
        private final Map<UUID, Consumer<K>> keyListeners = new ConcurrentHashMap<>();
        private final Map<UUID, BiConsumer<K, V>> addListeners = new ConcurrentHashMap<>();

        MemoryTable(String name) {
            this.name = name;
        }

        private void checkWritable() {
            if (refusing.contains(name)) {
                throw new QuorumRefusal("table " + name + " refuses writes: fewer CPUs than the quorum", null);
            }
        }

        private void changed(K key, V addedValue) {
            List<Consumer<K>> byKey = new ArrayList<>(keyListeners.values());
            List<BiConsumer<K, V>> added = addedValue == null ? List.of() : new ArrayList<>(addListeners.values());
            V copy = copy(addedValue);
            events.execute(() -> {
                byKey.forEach(l -> l.accept(key));
                added.forEach(l -> l.accept(key, copy));
            });
        }

        @Override
        public V get(K key) {
            return copy(entries.get(key));
        }

        @Override
        public boolean containsKey(K key) {
            return entries.containsKey(key);
        }

        @Override
        public CompletionStage<V> getAsync(K key) {
            return CompletableFuture.supplyAsync(() -> get(key), events);
        }

        @Override
        public Map<K, V> getAll(Set<K> keys) {
            Map<K, V> found = new LinkedHashMap<>();
            for (K k : keys) {
                V v = get(k);
                if (v != null) {
                    found.put(k, v);
                }
            }
            return found;
        }

        @Override
        public void set(K key, V value) {
            checkWritable();
            V stored = copy(value);
            V before = entries.put(key, stored);
            changed(key, before == null ? stored : null);
        }

        @Override
        public V putIfAbsent(K key, V value) {
            checkWritable();
            V stored = copy(value);
            V before = entries.putIfAbsent(key, stored);
            if (before == null) {
                changed(key, stored);
            }
            return copy(before);
        }

        @Override
        public boolean replace(K key, V expected, V value) {
            checkWritable();
            byte[] want = bytes(expected);
            V stored = copy(value);
            boolean[] done = {false};
            entries.computeIfPresent(key, (k, current) -> {
                if (Arrays.equals(bytes(current), want)) {
                    done[0] = true;
                    return stored;
                }
                return current;
            });
            if (done[0]) {
                changed(key, null);
            }
            return done[0];
        }

        @Override
        public V remove(K key) {
            checkWritable();
            V before = entries.remove(key);
            if (before != null) {
                changed(key, null);
            }
            return copy(before);
        }

        @Override
        public boolean remove(K key, V expected) {
            checkWritable();
            byte[] want = bytes(expected);
            boolean[] done = {false};
            entries.computeIfPresent(key, (k, current) -> {
                if (Arrays.equals(bytes(current), want)) {
                    done[0] = true;
                    return null;
                }
                return current;
            });
            if (done[0]) {
                changed(key, null);
            }
            return done[0];
        }

        @Override
        public Set<K> keySet() {
            return Set.copyOf(entries.keySet());
        }

        @Override
        public Collection<V> values() {
            return entries.values().stream().map(InMemoryTables.this::copy).toList();
        }

        @Override
        public int size() {
            return entries.size();
        }

        @Override
        public <R> R update(K key, Update<K, V, R> update) {
            checkWritable();
            Update<K, V, R> shipped = copy(update);
            Object[] result = new Object[1];
            boolean[] wrote = {false};
            boolean[] added = {false};
            V after = entries.compute(key, (k, current) -> {
                UpdateDraft<K, V> entry = new UpdateDraft<>(k, copy(current));
                result[0] = shipped.apply(entry);
                if (!entry.written()) {
                    return current;
                }
                wrote[0] = true;
                added[0] = current == null && entry.getValue() != null;
                return copy(entry.getValue());
            });
            if (wrote[0]) {
                changed(key, added[0] ? after : null);
            }
            @SuppressWarnings("unchecked")
            R answer = (R) copy(result[0]);
            return answer;
        }

        @Override
        public <R> CompletionStage<R> updateAsync(K key, Update<K, V, R> update) {
            try {
                R answer = update(key, update);
                return CompletableFuture.supplyAsync(() -> answer, events);
            } catch (RuntimeException e) {
                // As from the engine: the failure (a refusal for want of quorum, too) comes with the answer.
                return CompletableFuture.failedFuture(new java.util.concurrent.CompletionException(e));
            }
        }

        @Override
        public UUID onAdded(BiConsumer<K, V> listener) {
            UUID id = UUID.randomUUID();
            addListeners.put(id, listener);
            return id;
        }

        @Override
        public UUID onKeyChanged(Consumer<K> listener) {
            UUID id = UUID.randomUUID();
            keyListeners.put(id, listener);
            return id;
        }

        @Override
        public void stopListening(UUID registration) {
            keyListeners.remove(registration);
            addListeners.remove(registration);
        }
    }

    private final class MemoryIndex<K, V> implements MultiTable<K, V> {
        private final ConcurrentHashMap<K, Set<V>> sets = new ConcurrentHashMap<>();

        @Override
        public Collection<V> get(K key) {
            Set<V> values = sets.get(key);
            return values == null ? List.of() : values.stream().map(InMemoryTables.this::copy).toList();
        }

        @Override
        public boolean put(K key, V value) {
            return sets.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(copy(value));
        }

        @Override
        public boolean remove(K key, V value) {
            boolean[] removed = {false};
            sets.computeIfPresent(key, (k, values) -> {
                removed[0] = values.remove(value);
                return values.isEmpty() ? null : values;
            });
            return removed[0];
        }

        @Override
        public int valueCount(K key) {
            Set<V> values = sets.get(key);
            return values == null ? 0 : values.size();
        }
    }
}
