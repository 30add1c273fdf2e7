package org.openpair.testing.programs;

import java.time.Duration;

import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.ProcessContext;

/**
 * A hosted program that does nothing until it is stopped: the smallest process that stays in
 * the tables. It ends when its thread is interrupted or {@link ProcessContext#isStopRequested()}
 * turns true, and in any case after an hour (it returns then, completion code 0), so a lost test
 * never leaves it looping forever.
 *
 * <p>It prints one line to its process log when it starts, so a test can tell it ran.
 */
public final class WaitForStop implements GuardianProgram {
    /** How long it waits at most before it returns by itself. */
    public static final Duration LONGEST = Duration.ofHours(1);
    private static final long POLL_MILLIS = 50;

    @Override
    public void run(ProcessContext context) {
        context.out().println("waiting for a stop: " + context.self());
        long polls = LONGEST.toMillis() / POLL_MILLIS;
        for (long i = 0; i < polls && !context.isStopRequested(); i++) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
