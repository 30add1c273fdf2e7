package org.openpair.emulator.cluster;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A bounded log the whole node shares ({@link Engine#eventRing}): appends get ascending
 * sequences, a full ring overwrites its oldest entry, and a reader asks from a sequence on.
 * It is kept like a table (a backup on another member), so it outlives a CPU but not the node.
 *
 * @param <T> what it holds
 */
public interface Ring<T> {
    /** Appends {@code value} without waiting; the future completes with its sequence. */
    CompletableFuture<Long> add(T value);

    /** The oldest sequence still held (0 while nothing was overwritten). */
    long head();

    /** The newest sequence held, -1 while the ring is empty. */
    long tail();

    /**
     * Up to {@code max} entries from {@code from} on (the oldest held, when that one is gone),
     * with at least {@code atLeast} (0 or 1): the future completes when there are, so it may
     * wait for the next append without bound; the caller bounds its own wait and may leave it.
     */
    CompletableFuture<Batch<T>> read(long from, int atLeast, int max);

    /** Entries read: {@code sequences.get(i)} is {@code items.get(i)}'s; {@code next} is where to read on. */
    record Batch<T>(List<T> items, List<Long> sequences, long next) {
    }
}
