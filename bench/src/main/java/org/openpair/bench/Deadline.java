package org.openpair.bench;

import java.time.Duration;

import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * The time limit of one benchmark phase: a run on an overloaded machine, or one where
 * something hangs, stops with a message saying which phase and how far it got, instead of
 * running on without end.
 *
 * <p>Used by {@link SpawnBenchmark}; run with {@code ./guardian bench spawn}.
 */
final class Deadline {
    /** The limit of every phase unless said otherwise. */
    static final Duration PHASE_LIMIT = Duration.ofMinutes(5);

    private final String phase;
    private final Duration limit;
    private final long endNanos;

    private Deadline(String phase, Duration limit) {
        this.phase = phase;
        this.limit = limit;
        this.endNanos = System.nanoTime() + limit.toNanos();
    }

    static Deadline start(String phase, Duration limit) {
        return new Deadline(phase, limit);
    }

    static Deadline start(String phase) {
        return start(phase, PHASE_LIMIT);
    }

    boolean passed() {
        return System.nanoTime() - endNanos > 0;
    }

    /**
     * Refuses to go on once the limit has passed.
     *
     * @throws GuardianException 40 (timed out), naming the phase and the progress made
     */
    void check(int done, int total) {
        if (passed()) {
            throw new GuardianException(GuardianError.TIMED_OUT, "bench phase '" + phase + "' exceeded its limit of "
                    + describe(limit) + " after " + done + " of " + total
                    + " iterations; the machine is too busy or a call hangs");
        }
    }

    private static String describe(Duration d) {
        return d.toSeconds() % 60 == 0 && d.toMinutes() > 0 ? d.toMinutes() + " min" : d.toSeconds() + " s";
    }
}
