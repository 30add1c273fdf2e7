package org.openpair.emulator.cluster;

import java.util.Map;

/**
 * The entry an {@link Update} decides on when it runs outside the engine's partition thread (a
 * table kept in memory, or a change decided by the writer before a conditional write): what it
 * read, and what it set, if anything ({@code setValue(null)} removes).
 */
public final class UpdateDraft<K, V> implements Map.Entry<K, V> {
    private final K key;
    private V value;
    private boolean written;

    public UpdateDraft(K key, V value) {
        this.key = key;
        this.value = value;
    }

    @Override
    public K getKey() {
        return key;
    }

    @Override
    public V getValue() {
        return value;
    }

    @Override
    public V setValue(V v) {
        V old = value;
        value = v;
        written = true;
        return old;
    }

    /** Whether the update set a value (or removed the entry). */
    public boolean written() {
        return written;
    }
}
