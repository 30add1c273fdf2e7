package org.openpair.emulator.cluster;

import java.util.Collection;

/** A node-wide index: each key holds a set of values, with a synchronous backup like {@link Table}. */
public interface MultiTable<K, V> {
    /** The values of {@code key}, empty if none; a copy. */
    Collection<V> get(K key);

    /** Adds {@code value} to the set of {@code key}; false if it was there. */
    boolean put(K key, V value);

    /** Removes {@code value} from the set of {@code key}; false if it was not there. */
    boolean remove(K key, V value);

    int valueCount(K key);
}
