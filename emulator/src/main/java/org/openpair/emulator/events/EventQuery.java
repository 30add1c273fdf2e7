package org.openpair.emulator.events;

/**
 * A read of the node's event ring: up to {@code max} events from sequence {@code since} on
 * (0: the oldest the ring still holds), waiting up to {@code waitMillis} for the first when
 * there is none yet (0: answer at once).
 */
public record EventQuery(long since, int max, long waitMillis) {
    /** The most one answer carries: a batch stays a small frame. */
    public static final int MAX_BATCH = 1000;
    /** The longest one read waits on the CPU: a follower asks again, so no call is held for long. */
    public static final long MAX_WAIT_MILLIS = 30_000;

    public EventQuery {
        if (since < 0) {
            throw new IllegalArgumentException("since must be 0 or more: " + since);
        }
        if (max < 1 || max > MAX_BATCH) {
            throw new IllegalArgumentException("max must be 1-" + MAX_BATCH + ": " + max);
        }
        if (waitMillis < 0 || waitMillis > MAX_WAIT_MILLIS) {
            throw new IllegalArgumentException("waitMillis must be 0-" + MAX_WAIT_MILLIS + ": " + waitMillis);
        }
    }
}
