package org.openpair.testing.netns;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Condition waits with a bound in time and in polls, as the harness's: a
 * {@link RuntimeException} from the condition means "not yet" (a node in flux throws, a client
 * cut off times out) and is reported if the wait fails; an {@link Error} ends the wait at once.
 */
public final class Waits {
    private static final long POLL_MILLIS = 50;

    private Waits() {
    }

    /**
     * Polls {@code condition} until it holds; fails after {@code bound} with {@code what}, the
     * last exception of the condition and {@code diagnostics}. A poll that itself blocks (a
     * client call to a member that went silent) counts against the bound, not the poll count.
     */
    public static void await(String what, Duration bound, BooleanSupplier condition, Supplier<String> diagnostics) {
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
            sleep(what);
        }
        String extra = diagnostics.get();
        AssertionError failure = new AssertionError("timed out after " + bound.toMillis() + " ms waiting for " + what
                + (last != null ? "\nlast failure of the condition: " + last : "")
                + (extra == null || extra.isEmpty() ? "" : "\n" + extra));
        if (last != null) {
            failure.initCause(last);
        }
        throw failure;
    }

    /**
     * Checks on every poll for the whole {@code window} that {@code condition} holds: the absence
     * check for something that would happen asynchronously if it happened at all.
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
                throw new AssertionError("checking that " + what + " failed: " + e + "\n" + diagnostics.get(), e);
            }
            if (!holds) {
                throw new AssertionError("expected that " + what + " for " + window.toMillis() + " ms, but it did not after "
                        + (System.nanoTime() - start) / 1_000_000 + " ms\n" + diagnostics.get());
            }
            if (System.nanoTime() - start >= windowNanos) {
                return;
            }
            sleep(what);
        }
    }

    private static void sleep(String what) {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + what, e);
        }
    }
}
