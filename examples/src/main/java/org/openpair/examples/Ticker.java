package org.openpair.examples;

import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.ProcessContext;

/**
 * The smallest useful hosted program: writes a numbered tick to its log every interval
 * (first argument, milliseconds, default 1000) until it is stopped. Run it with
 * {@code guardian run --name tick --cpu 1 --hosted org.openpair.examples.Ticker 500}
 * and watch its log file.
 */
public final class Ticker implements GuardianProgram {

    @Override
    public void run(ProcessContext context) {
        long interval = context.args().isEmpty() ? 1000 : parseInterval(context.args().get(0));
        String me = context.name().map(Object::toString).orElse(context.self().cpuPin());
        long tick = 0;
        while (!context.isStopRequested()) {
            context.out().println(me + " tick " + (++tick));
            try {
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                // A stop interrupts us: end normally and let the stop record completion code 6.
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static long parseInterval(String text) {
        try {
            long ms = Long.parseLong(text);
            if (ms < 1 || ms > 3_600_000) {
                throw new IllegalArgumentException("interval must be 1-3600000 ms: " + text);
            }
            return ms;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("interval must be a number of milliseconds: " + text, e);
        }
    }
}
