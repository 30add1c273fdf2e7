package org.openpair.emulator.events;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.openpair.emulator.cluster.Ring;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * Reads of the node's event ring, with a bounded wait for the next event. The engine's
 * blocking read has no timeout of its own, so a wait that times out leaves its read parked
 * until the next event; all the waits of this reader share one such read, so however many
 * followers poll an idle ring, one read is parked.
 */
public final class EventReads {
    /** How long a read that does not wait may take before it is the node's failure (error 40). */
    private static final long READ_BOUND_MILLIS = 10_000;

    private final Ring<EventRecord> ring;
    private CompletableFuture<?> arrival;
    private long arrivalFrom = -1;

    EventReads(Ring<EventRecord> ring) {
        this.ring = ring;
    }

    /**
     * Up to {@code query.max()} events from {@code query.since()} on; when there is none, waits
     * up to {@code query.waitMillis()} for one, then answers what there is (perhaps nothing).
     *
     * @throws GuardianException error 40 if the ring does not answer in time, 66 if it fails
     */
    public EventBatch read(EventQuery query) throws InterruptedException {
        Ring.Batch<EventRecord> b = now(query);
        if (b.items().isEmpty() && query.waitMillis() > 0) {
            try {
                arrivalAfter(b.next()).get(query.waitMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                return new EventBatch(List.of(), Math.max(b.next(), query.since()), lost(query.since(), b));
            } catch (ExecutionException e) {
                throw failed(e.getCause());
            }
            b = now(query);
        }
        List<EventRecord> events = new ArrayList<>(b.items().size());
        for (int i = 0; i < b.items().size(); i++) {
            events.add(b.items().get(i).at(b.sequences().get(i)));
        }
        return new EventBatch(events, Math.max(b.next(), query.since()), lost(query.since(), b));
    }

    private Ring.Batch<EventRecord> now(EventQuery query) throws InterruptedException {
        try {
            return ring.read(query.since(), 0, query.max()).get(READ_BOUND_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new GuardianException(GuardianError.TIMED_OUT, "the node's event ring did not answer within "
                    + READ_BOUND_MILLIS / 1000 + " s");
        } catch (ExecutionException e) {
            throw failed(e.getCause());
        }
    }

    /** Overwritten events between {@code since} and what was read. */
    private static long lost(long since, Ring.Batch<EventRecord> b) {
        long first = b.sequences().isEmpty() ? b.next() : b.sequences().get(0);
        return Math.max(0, first - since);
    }

    /** The shared parked read that completes when sequence {@code from} exists. */
    private synchronized CompletableFuture<?> arrivalAfter(long from) {
        if (arrival == null || arrival.isDone() || arrivalFrom != from) {
            arrival = ring.read(from, 1, 1);
            arrivalFrom = from;
        }
        return arrival;
    }

    private static GuardianException failed(Throwable cause) {
        return new GuardianException(GuardianError.DEVICE_DOWN, "cannot read the node's event ring: " + cause);
    }
}
