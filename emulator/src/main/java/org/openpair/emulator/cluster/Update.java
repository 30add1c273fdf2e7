package org.openpair.emulator.cluster;

import java.util.Map;

/**
 * A conditional change of one table entry, decided where the entry lives: atomic on its key,
 * applied again to the entry's backup copy, so it must depend on nothing but its own fields and
 * the entry (a pure function of both). The runtime's decisions (who becomes primary, who holds
 * a semaphore) are written as updates; the engine only runs them. An update crosses the engine
 * by the runtime's codec, so each one needs its codec.
 *
 * @param <K> the table's key
 * @param <V> the table's value
 * @param <R> what the update answers
 */
@FunctionalInterface
public interface Update<K, V, R> {
    /**
     * Decides and applies the change: {@code entry.getValue()} is the current value ({@code null}
     * if absent); {@code entry.setValue(v)} stores {@code v}, {@code setValue(null)} removes it.
     */
    R apply(Map.Entry<K, V> entry);
}
