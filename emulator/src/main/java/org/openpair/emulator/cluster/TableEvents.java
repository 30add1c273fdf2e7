package org.openpair.emulator.cluster;

import java.util.function.Consumer;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.MapEvent;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.map.listener.MapClearedListener;
import com.hazelcast.map.listener.MapEvictedListener;

/** The engine's map events as {@link Table}'s listeners hear them. */
final class TableEvents {
    private TableEvents() {
    }

    /**
     * Every change of an entry, by key: also the engine's own (a merge after a split, an eviction
     * or expiry), which a cache of the entry must hear as much as a write.
     */
    record KeyChanges<K, V>(Consumer<K> listener) implements
            EntryAddedListener<K, V>, EntryUpdatedListener<K, V>,
            EntryRemovedListener<K, V>, EntryMergedListener<K, V>, EntryEvictedListener<K, V>, EntryExpiredListener<K, V> {
        @Override
        public void entryAdded(EntryEvent<K, V> e) {
            listener.accept(e.getKey());
        }

        @Override
        public void entryUpdated(EntryEvent<K, V> e) {
            listener.accept(e.getKey());
        }

        @Override
        public void entryRemoved(EntryEvent<K, V> e) {
            listener.accept(e.getKey());
        }

        @Override
        public void entryMerged(EntryEvent<K, V> e) {
            listener.accept(e.getKey());
        }

        @Override
        public void entryEvicted(EntryEvent<K, V> e) {
            listener.accept(e.getKey());
        }

        @Override
        public void entryExpired(EntryEvent<K, V> e) {
            listener.accept(e.getKey());
        }
    }

    /** Whatever empties entries of a map without an event per key. */
    record WholesaleLoss(Runnable listener) implements MapClearedListener, MapEvictedListener {
        @Override
        public void mapCleared(MapEvent e) {
            listener.run();
        }

        @Override
        public void mapEvicted(MapEvent e) {
            listener.run();
        }
    }
}
