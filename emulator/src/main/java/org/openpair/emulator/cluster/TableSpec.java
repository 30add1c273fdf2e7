package org.openpair.emulator.cluster;

/**
 * How the engine keeps one of the node's tables: declared by the runtime, turned into the
 * engine's own configuration only here ({@link EngineConfigs}).
 *
 * @param name          the table's name
 * @param index         a {@link MultiTable} (a key to a set of values), not a {@link Table}
 * @param merge         what survives of the smaller side's entries when a split heals
 * @param quorumGuarded writes are refused on a side with fewer CPUs than the node's quorum
 * @param ttlSeconds    entries expire after this many seconds; 0: never
 * @param keptAsObjects entries are kept deserialized, so an {@link Update} does not decode and
 *                      re-encode the whole record on every change
 */
public record TableSpec(String name, boolean index, Merge merge, boolean quorumGuarded, int ttlSeconds,
                        boolean keptAsObjects) {

    /** What the merge after a split keeps. */
    public enum Merge {
        /** The larger side's entries, whole: the smaller side's CPUs halted their processes. */
        LARGER_SIDE,
        /** Each entry's value decides ({@link Mergeable}). */
        VALUE_DECIDES
    }

    public TableSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a table needs a name");
        }
        if (ttlSeconds < 0) {
            throw new IllegalArgumentException("table " + name + ": ttl " + ttlSeconds + " is negative");
        }
        if (index && (merge != Merge.LARGER_SIDE || quorumGuarded || ttlSeconds != 0 || keptAsObjects)) {
            throw new IllegalArgumentException("index " + name + ": only the larger side's merge is supported");
        }
    }

    /** A table whose smaller-side entries are dropped at a heal. */
    public static TableSpec table(String name) {
        return new TableSpec(name, false, Merge.LARGER_SIDE, false, 0, false);
    }

    /** An index (key to a set of values). */
    public static TableSpec index(String name) {
        return new TableSpec(name, true, Merge.LARGER_SIDE, false, 0, false);
    }

    public TableSpec expiringAfter(int seconds) {
        return new TableSpec(name, index, merge, quorumGuarded, seconds, keptAsObjects);
    }

    public TableSpec guardedByQuorum() {
        return new TableSpec(name, index, merge, true, ttlSeconds, keptAsObjects);
    }

    public TableSpec mergedByValue() {
        return new TableSpec(name, index, Merge.VALUE_DECIDES, quorumGuarded, ttlSeconds, keptAsObjects);
    }

    public TableSpec asObjects() {
        return new TableSpec(name, index, merge, quorumGuarded, ttlSeconds, true);
    }
}
