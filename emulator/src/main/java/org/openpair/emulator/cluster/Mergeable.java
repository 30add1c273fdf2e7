package org.openpair.emulator.cluster;

/**
 * A table value that decides for itself which version of its entry stays after a split heals
 * ({@link TableSpec.Merge#VALUE_DECIDES}). The engine asks the larger side (whose entries are
 * the existing ones) about each entry of the smaller side (the merging ones).
 *
 * @param <V> the value type, the same on both sides
 */
public interface Mergeable<V> {
    /** True when this entry, from the smaller side, replaces {@code existing}, the larger side's. */
    boolean replaces(V existing);

    /** True when this entry, from the smaller side, is kept although the larger side has none for its key. */
    boolean keptAlone();
}
