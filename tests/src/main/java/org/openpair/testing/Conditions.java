package org.openpair.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits on conditions with a bound, and checks that a condition stays true for a window: polls,
 * never sleeps for a guessed time. {@link TestCluster} offers the same methods, where most tests
 * call them.
 */
public final class Conditions {
    private static final long POLL_MILLIS = 20;

    private Conditions() {
    }

    /**
     * Polls {@code condition} every 20 ms until it holds; fails with {@code what} once
     * {@code bound} has passed. A {@link RuntimeException} from the condition counts as "not
     * yet" (a node in flux throws) and is reported if the wait fails; an {@link Error}, such as a
     * failed assertion, ends the wait at once.
     *
     * @throws AssertionError if the condition did not hold within the bound
     */
    public static void awaitCondition(String what, Duration bound, BooleanSupplier condition) {
        awaitCondition(what, bound, condition, () -> "");
    }

    /**
     * Checks that {@code condition} holds on every poll (every 20 ms) for the whole
     * {@code window}: the absence check for something that would happen asynchronously if it
     * happened at all. It proves nothing about later than the window; use it after a positive
     * wait has shown that the events in question have been delivered.
     *
     * @throws AssertionError at the first poll on which the condition is false (or throws)
     */
    public static void assertStaysTrue(String what, Duration window, BooleanSupplier condition) {
        assertStaysTrue(what, window, condition, () -> "");
    }

    /**
     * {@link #assertStaysTrue(String, Duration, BooleanSupplier)} with {@code diagnostics} added to
     * the failure.
     */
    public static void assertStaysTrue(String what, Duration window, BooleanSupplier condition,
                                       Supplier<String> diagnostics) {
        long windowNanos = window.toNanos();
        long maxPolls = window.toMillis() / POLL_MILLIS + 2;
        long start = System.nanoTime();
        for (long poll = 0; poll < maxPolls; poll++) {
            boolean holds;
            try {
                holds = condition.getAsBoolean();
            } catch (RuntimeException e) {
                throw new AssertionError("checking that " + what + " for " + window.toMillis() + " ms failed: " + e
                        + suffix(diagnostics), e);
            }
            if (!holds) {
                throw new AssertionError("expected that " + what + " for " + window.toMillis() + " ms, but it did not after "
                        + (System.nanoTime() - start) / 1_000_000 + " ms" + suffix(diagnostics));
            }
            if (System.nanoTime() - start >= windowNanos) {
                return;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while checking that " + what, e);
            }
        }
    }

    /**
     * {@link #awaitCondition(String, Duration, BooleanSupplier)} with {@code diagnostics} (such as
     * the tails of the CPU outputs) added to the failure. A poll that itself blocks (a client call
     * to a member that went silent) counts against the bound, not the poll count.
     */
    public static void awaitCondition(String what, Duration bound, BooleanSupplier condition,
                                      Supplier<String> diagnostics) {
        long boundNanos = bound.toNanos();
        long maxPolls = bound.toMillis() / POLL_MILLIS + 2;
        long start = System.nanoTime();
        RuntimeException last = null;
        for (long poll = 0; poll < maxPolls; poll++) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException e) {
                last = e;
            }
            if (System.nanoTime() - start >= boundNanos) {
                break;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
        AssertionError failure = new AssertionError("timed out after " + bound.toMillis() + " ms waiting for " + what
                + (last != null ? "\nlast failure of the condition: " + last : "") + suffix(diagnostics));
        if (last != null) {
            failure.initCause(last);
        }
        throw failure;
    }

    /** The diagnostics on a line of their own, or nothing if there are none. */
    private static String suffix(Supplier<String> diagnostics) {
        String extra = diagnostics.get();
        return extra == null || extra.isEmpty() ? "" : "\n" + extra;
    }
}
