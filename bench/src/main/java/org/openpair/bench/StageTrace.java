package org.openpair.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Timestamps of the emulator's own log events in this JVM, for a benchmark that must say where
 * the time of a figure goes: the given loggers are turned up to INFO while the trace is open and
 * their records are kept (time to the microsecond, message pattern, parameters) instead of being
 * printed; records of WARNING and above still reach the console as before. {@link #close()}
 * restores the loggers.
 *
 * <p>Used by {@link TakeoverBenchmark} (the promotion of the backup in CPU 0); run with
 * {@code ./guardian bench takeover}.
 */
final class StageTrace implements AutoCloseable {

    /** One log record: when (µs since the epoch), which logger, its message pattern and parameters. */
    record Event(long micros, String logger, String pattern, Object[] params) {
    }

    private final List<Logger> loggers = new ArrayList<>();
    private final List<Level> levels = new ArrayList<>();
    private final List<Boolean> useParents = new ArrayList<>();
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            Instant at = r.getInstant();
            events.add(new Event(at.getEpochSecond() * 1_000_000L + at.getNano() / 1_000, r.getLoggerName(),
                    r.getMessage() == null ? "" : r.getMessage(), r.getParameters() == null ? new Object[0]
                    : r.getParameters().clone()));
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                for (Handler h : Logger.getLogger("").getHandlers()) {
                    h.publish(r);
                }
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private StageTrace() {
    }

    /** Starts keeping the INFO records of the given loggers (class names of the emulator). */
    static StageTrace open(Class<?>... sources) {
        StageTrace trace = new StageTrace();
        trace.handler.setLevel(Level.ALL);
        for (Class<?> c : sources) {
            Logger logger = Logger.getLogger(c.getName());
            trace.loggers.add(logger);
            trace.levels.add(logger.getLevel());
            trace.useParents.add(logger.getUseParentHandlers());
            logger.setLevel(Level.INFO);
            logger.setUseParentHandlers(false);
            logger.addHandler(trace.handler);
        }
        return trace;
    }

    /**
     * The time of the first event at or after {@code fromMicros} of the logger of {@code source}
     * whose pattern starts with {@code patternPrefix} and whose parameters match; 0 if none.
     */
    long first(Class<?> source, String patternPrefix, Predicate<Object[]> params, long fromMicros) {
        for (Event e : events) {
            if (e.micros() >= fromMicros && e.logger().equals(source.getName()) && e.pattern().startsWith(patternPrefix)
                    && params.test(e.params())) {
                return e.micros();
            }
        }
        return 0;
    }

    @Override
    public void close() {
        for (int i = 0; i < loggers.size(); i++) {
            Logger logger = loggers.get(i);
            logger.removeHandler(handler);
            logger.setLevel(levels.get(i));
            logger.setUseParentHandlers(useParents.get(i));
        }
    }
}
