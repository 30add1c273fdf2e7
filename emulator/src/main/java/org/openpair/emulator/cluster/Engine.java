package org.openpair.emulator.cluster;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.multimap.MultiMap;

/**
 * The cluster engine as the runtime holds it: a member's or a client's connection to the node,
 * handing out the node's tables as {@link Table}s and {@link MultiTable}s, never the engine's
 * own maps.
 */
public final class Engine {
    private final HazelcastInstance hz;

    public Engine(HazelcastInstance hz) {
        this.hz = hz;
    }

    /**
     * The engine's own instance, for the code that is not behind this seam yet (the CPU calls
     * on the engine's executor, the semaphores' wake-ups, the benchmarks' baselines).
     */
    public HazelcastInstance hazelcast() {
        return hz;
    }

    /** False once the member or client has shut down. */
    public boolean isRunning() {
        return hz.getLifecycleService().isRunning();
    }

    /** The table of that name (configured by the node's engine configuration). */
    public <K, V> Table<K, V> table(String name) {
        return new MapTable<>(hz.getMap(name));
    }

    /** The index of that name. */
    public <K, V> MultiTable<K, V> multiTable(String name) {
        return new MultiMapTable<>(hz.getMultiMap(name));
    }

    private record MapTable<K, V>(IMap<K, V> map) implements Table<K, V> {
        @Override
        public V get(K key) {
            return map.get(key);
        }

        @Override
        public boolean containsKey(K key) {
            return map.containsKey(key);
        }

        @Override
        public CompletionStage<V> getAsync(K key) {
            return map.getAsync(key);
        }

        @Override
        public Map<K, V> getAll(Set<K> keys) {
            return map.getAll(keys);
        }

        @Override
        public void set(K key, V value) {
            map.set(key, value);
        }

        @Override
        public V putIfAbsent(K key, V value) {
            return map.putIfAbsent(key, value);
        }

        @Override
        public boolean replace(K key, V expected, V value) {
            return map.replace(key, expected, value);
        }

        @Override
        public V remove(K key) {
            return map.remove(key);
        }

        @Override
        public boolean remove(K key, V expected) {
            return map.remove(key, expected);
        }

        @Override
        public Set<K> keySet() {
            return Set.copyOf(map.keySet());
        }

        @Override
        public Collection<V> values() {
            return List.copyOf(map.values());
        }

        @Override
        public int size() {
            return map.size();
        }

        @Override
        public <R> R update(K key, Update<K, V, R> update) {
            return map.executeOnKey(key, new EngineUpdate<>(update));
        }

        @Override
        public <R> CompletionStage<R> updateAsync(K key, Update<K, V, R> update) {
            return map.submitToKey(key, new EngineUpdate<>(update));
        }

        @Override
        public UUID onAdded(BiConsumer<K, V> listener) {
            return map.addEntryListener((EntryAddedListener<K, V>) (EntryEvent<K, V> e) ->
                    listener.accept(e.getKey(), e.getValue()), true);
        }

        @Override
        public void stopListening(UUID registration) {
            map.removeEntryListener(registration);
        }
    }

    private record MultiMapTable<K, V>(MultiMap<K, V> map) implements MultiTable<K, V> {
        @Override
        public Collection<V> get(K key) {
            return List.copyOf(map.get(key));
        }

        @Override
        public boolean put(K key, V value) {
            return map.put(key, value);
        }

        @Override
        public boolean remove(K key, V value) {
            return map.remove(key, value);
        }

        @Override
        public int valueCount(K key) {
            return map.valueCount(key);
        }
    }
}
