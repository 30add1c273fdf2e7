package org.openpair.chaos;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Polls a condition until it holds or a bound passes: the run never sleeps in place of a
 * condition, and every wait ends. A condition that throws counts as "not yet" (a node in flux
 * throws).
 */
final class Waits {
    private static final long POLL_MILLIS = 20;

    private Waits() {
    }

    /** True once {@code condition} held, false if {@code bound} passed first (or on interrupt). */
    static boolean until(Duration bound, BooleanSupplier condition) {
        long end = System.nanoTime() + bound.toNanos();
        long maxPolls = bound.toMillis() / POLL_MILLIS + 2;
        for (long poll = 0; poll < maxPolls; poll++) {
            try {
                if (condition.getAsBoolean()) {
                    return true;
                }
            } catch (RuntimeException e) {
                // not yet
            }
            if (System.nanoTime() - end > 0) {
                return false;
            }
            if (!pause(Duration.ofMillis(POLL_MILLIS))) {
                return false;
            }
        }
        return false;
    }

    /** Sleeps for a fault's own duration (a freeze's length, a delay the plan chose); false on interrupt. */
    static boolean pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
