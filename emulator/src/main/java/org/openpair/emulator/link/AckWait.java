package org.openpair.emulator.link;

import java.util.concurrent.CompletableFuture;

/**
 * How a synchronous sender waits for its ack: for about one expected round trip it keeps
 * reading the link itself ({@link LinkConnection#pollOnce()}), yielding the CPU between reads,
 * before it parks, because on the project's 2-core machines waking a thread costs about as much
 * as the round trip. Measured p50 in the same runs (noisy, shared machine): parked 47-53 µs,
 * yielding while the link's thread reads 34-47 µs, polling 29-40 µs, raw TCP 20-28 µs; polling
 * without yielding had the same median but a p99 up to 1.6 ms. The expected round trip is
 * learnt from the acks seen on the link; when acks take longer than {@link #MAX_POLL_NANOS} (a
 * slow handler, another machine) polling cannot help and the sender parks at once. A requester
 * waits for its reply the same way, with a budget of its own ({@link #MAX_REPLY_POLL_NANOS}).
 */
final class AckWait {
    static final long MAX_POLL_NANOS = 100_000;
    /**
     * A reply's budget: a reply takes a checkpoint's round trip and then the server's own, so
     * its usual round trip is longer; on the project's 2-vCPU machines one measured 125-180 µs
     * parked, where the 100 µs cap never polled, and about 70 µs polled (performance.md).
     */
    static final long MAX_REPLY_POLL_NANOS = 400_000;

    private final long maxPollNanos;
    /** Smoothed round trip of recent synchronous sends, ns; racy updates are harmless. */
    private volatile long expectedNanos;

    /** A wait for checkpoint acks: polls at most {@link #MAX_POLL_NANOS}. */
    AckWait() {
        this(MAX_POLL_NANOS);
    }

    /** A wait that polls at most {@code maxPollNanos}, and not at all once round trips take longer. */
    AckWait(long maxPollNanos) {
        this.maxPollNanos = maxPollNanos;
        this.expectedNanos = maxPollNanos / 2;
    }

    /** Polls the link until the ack is in or the budget is spent; the caller then waits normally. */
    void pollUntilAcked(CompletableFuture<?> acked, long startNanos, LinkConnection link) {
        long expected = expectedNanos;
        if (expected > maxPollNanos) {
            return;
        }
        long until = startNanos + Math.min(maxPollNanos, 2 * expected);
        link.pollingStarted();
        try {
            while (!acked.isDone() && System.nanoTime() < until && link.pollOnce()) {
                Thread.yield();
            }
        } finally {
            link.pollingEnded(acked.isDone());
        }
    }

    /** Learns from one completed synchronous send (weight 1/8, like TCP's SRTT). */
    void observed(long roundTripNanos) {
        long e = expectedNanos;
        expectedNanos = e + (roundTripNanos - e) / 8;
    }
}
