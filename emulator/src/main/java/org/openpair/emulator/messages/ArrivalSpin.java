package org.openpair.emulator.messages;

import java.util.function.BooleanSupplier;

/**
 * How a server's thread waits in READUPDATE for its next request: for about one expected gap
 * between requests it keeps looking at the queue, yielding the CPU between looks, before it
 * parks. The request is then taken by a thread that is already running instead of one the link
 * thread must wake, and on the project's 2-core machines a wake-up of a parked thread (on the
 * other core, which may have gone idle) costs about as much as the round trip itself. The
 * expected gap is learnt from the waits seen; when requests come further apart than
 * {@link #MAX_SPIN_NANOS} spinning cannot help and the thread parks at once, so an idle server
 * costs no CPU. Yielding keeps the spin from taking a core away from a runnable thread.
 */
final class ArrivalSpin {
    static final long MAX_SPIN_NANOS = 100_000;

    /** Smoothed wait for the next request, ns; several readers may update it, racy updates are harmless. */
    private volatile long expectedNanos = MAX_SPIN_NANOS / 2;

    /** Spins until {@code arrived} is true or the budget (or the deadline) is spent; the caller then parks. */
    void spin(BooleanSupplier arrived, long startNanos, long deadlineNanos) {
        long expected = expectedNanos;
        if (expected > MAX_SPIN_NANOS) {
            return;
        }
        long until = Math.min(deadlineNanos, startNanos + Math.min(MAX_SPIN_NANOS, 2 * expected));
        while (!arrived.getAsBoolean() && System.nanoTime() < until) {
            Thread.yield();
        }
    }

    /** Learns from one wait that ended with a request or a timeout (weight 1/8, like TCP's SRTT). */
    void observed(long waitedNanos) {
        long e = expectedNanos;
        expectedNanos = e + (waitedNanos - e) / 8;
    }
}
