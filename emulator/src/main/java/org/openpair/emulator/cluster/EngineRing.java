package org.openpair.emulator.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import com.hazelcast.ringbuffer.OverflowPolicy;
import com.hazelcast.ringbuffer.ReadResultSet;
import com.hazelcast.ringbuffer.Ringbuffer;
import com.hazelcast.ringbuffer.StaleSequenceException;

/** A {@link Ring} over Hazelcast's {@code Ringbuffer}, whose full-ring policy is to overwrite. */
final class EngineRing<T> implements Ring<T> {
    private final Ringbuffer<T> ring;

    EngineRing(Ringbuffer<T> ring) {
        this.ring = ring;
    }

    @Override
    public CompletableFuture<Long> add(T value) {
        return ring.addAsync(value, OverflowPolicy.OVERWRITE).toCompletableFuture();
    }

    @Override
    public long head() {
        return ring.headSequence();
    }

    @Override
    public long tail() {
        return ring.tailSequence();
    }

    @Override
    public CompletableFuture<Batch<T>> read(long from, int atLeast, int max) {
        // The engine refuses a start past the next sequence: such a reader waits for that one.
        long start = Math.min(Math.max(from, ring.headSequence()), ring.tailSequence() + 1);
        // The engine refuses to read more at once than the ring holds.
        int most = (int) Math.min(max, ring.capacity());
        return ring.readManyAsync(start, atLeast, most, null).toCompletableFuture()
                .<CompletableFuture<Batch<T>>>handle((r, failure) -> {
                    if (failure == null) {
                        return CompletableFuture.completedFuture(batch(r));
                    }
                    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                            ? failure.getCause() : failure;
                    if (cause instanceof StaleSequenceException) {
                        // Overwritten between the head's read and this one: start at the new head.
                        return read(ring.headSequence(), atLeast, max);
                    }
                    return CompletableFuture.failedFuture(cause);
                }).thenCompose(f -> f);
    }

    private static <T> Batch<T> batch(ReadResultSet<T> r) {
        List<T> items = new ArrayList<>(r.readCount());
        List<Long> seqs = new ArrayList<>(r.readCount());
        for (int i = 0; i < r.readCount(); i++) {
            items.add(r.get(i));
            seqs.add(r.getSequence(i));
        }
        return new Batch<>(items, seqs, r.getNextSequenceToReadFrom());
    }
}
