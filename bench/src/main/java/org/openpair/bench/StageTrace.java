package org.openpair.bench;

import java.util.function.Predicate;

import org.openpair.emulator.launch.Logging;

/**
 * Timestamps of the emulator's own log events in this JVM, for a benchmark that must say where
 * the time of a figure goes: the given loggers are turned up to INFO while the trace is open and
 * their lines are kept (time to the microsecond, the message) instead of being printed; lines of
 * WARNING and above still reach the console as before. {@link #close()} restores the loggers.
 * It reads the default logging backend ({@link Logging#capture}), which the {@code guardian}
 * command runs with.
 *
 * <p>Used by {@link TakeoverBenchmark} (the promotion of the backup in CPU 0); run with
 * {@code ./guardian bench takeover}.
 */
final class StageTrace implements AutoCloseable {
    private final Logging.Capture capture;

    private StageTrace(Logging.Capture capture) {
        this.capture = capture;
    }

    /** Starts keeping the INFO lines of the given loggers (class names of the emulator). */
    static StageTrace open(Class<?>... sources) {
        String[] names = new String[sources.length];
        for (int i = 0; i < sources.length; i++) {
            names[i] = sources[i].getName();
        }
        return new StageTrace(Logging.capture(System.Logger.Level.INFO, true, names));
    }

    /**
     * The time (µs since the epoch) of the first line at or after {@code fromMicros} of the
     * logger of {@code source} whose message matches; 0 if none.
     */
    long first(Class<?> source, Predicate<String> message, long fromMicros) {
        for (Logging.Capture.Line line : capture.lines()) {
            if (line.micros() >= fromMicros && line.logger().equals(source.getName()) && message.test(line.message())) {
                return line.micros();
            }
        }
        return 0;
    }

    @Override
    public void close() {
        capture.close();
    }
}
