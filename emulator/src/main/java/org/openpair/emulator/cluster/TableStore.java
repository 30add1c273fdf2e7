package org.openpair.emulator.cluster;

/**
 * Where the node's tables live: the engine ({@link Engine}) in the product; an in-memory store
 * in unit tests of the runtime's table logic, held to the same contract.
 */
public interface TableStore {
    /** The table of that name. */
    <K, V> Table<K, V> table(String name);

    /** The index of that name. */
    <K, V> MultiTable<K, V> multiTable(String name);
}
