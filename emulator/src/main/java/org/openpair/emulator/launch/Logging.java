package org.openpair.emulator.launch;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The configuration of OpenPair's default logging backend: one-line console logging for CPUs,
 * the command and tests, OpenPair's own messages at INFO, Hazelcast's only from WARNING up unless
 * asked for, since its join chatter buries what an operator needs to read.
 *
 * <p>Everything logs through SLF4J: our {@code System.Logger} calls by its platform-logging
 * bridge, Hazelcast's by {@code hazelcast.logging.type=slf4j}. The runnable assembly's backend is
 * {@code slf4j-jdk14}, SLF4J's binding to java.util.logging, which this class configures; it is
 * the only class that touches java.util.logging (ArchitectureTest). With another backend on the
 * class path (Logback, say: docs/operations.md, Logging) that backend's own configuration decides
 * levels and format, and what this class sets is read by nobody.
 */
public final class Logging {
    /** Kept strongly: java.util.logging holds loggers weakly and would forget the levels. */
    private static final Logger OPENPAIR = Logger.getLogger("org.openpair");
    private static final Logger HAZELCAST = Logger.getLogger("com.hazelcast");

    /**
     * Loggers named in {@value #FINE_PROPERTY} (comma-separated, such as
     * {@code com.hazelcast.internal.cluster.impl}), set to FINE (DEBUG) for a diagnosis; kept
     * strongly too.
     */
    public static final String FINE_PROPERTY = "openpair.log.fine";
    private static final List<Logger> FINE = new ArrayList<>();

    private Logging() {
    }

    /** Configures the root console handler; {@code verbose} lets Hazelcast's INFO through. */
    public static synchronized void configure(System.Logger.Level openpairLevel, boolean verbose) {
        configure(openpairLevel, verbose ? System.Logger.Level.INFO : System.Logger.Level.WARNING);
    }

    /** Configures the root console handler with a level for OpenPair's and one for Hazelcast's messages. */
    public static synchronized void configure(System.Logger.Level openpairLevel, System.Logger.Level hazelcastLevel) {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        ConsoleHandler console = new ConsoleHandler();
        console.setLevel(Level.ALL);
        console.setFormatter(new OneLine());
        root.addHandler(console);
        root.setLevel(Level.INFO);
        OPENPAIR.setLevel(jul(openpairLevel));
        HAZELCAST.setLevel(jul(hazelcastLevel));
        // Loggers opened by an earlier call go back to their parents' level.
        for (Logger l : FINE) {
            l.setLevel(null);
        }
        FINE.clear();
        for (String name : System.getProperty(FINE_PROPERTY, "").split(",")) {
            if (!name.isBlank()) {
                Logger l = Logger.getLogger(name.strip());
                l.setLevel(Level.FINE);
                FINE.add(l);
            }
        }
    }

    /**
     * The java.util.logging level the binding maps a platform (and SLF4J) level to: DEBUG is FINE,
     * TRACE FINEST, ERROR SEVERE, as slf4j-jdk14 does.
     */
    static Level jul(System.Logger.Level level) {
        return switch (level) {
            case ALL -> Level.ALL;
            case TRACE -> Level.FINEST;
            case DEBUG -> Level.FINE;
            case INFO -> Level.INFO;
            case WARNING -> Level.WARNING;
            case ERROR -> Level.SEVERE;
            case OFF -> Level.OFF;
        };
    }

    /** The platform level of a java.util.logging level; CONFIG and FINER fall to the level below. */
    static System.Logger.Level platform(Level level) {
        int v = level.intValue();
        if (v >= Level.OFF.intValue()) {
            return System.Logger.Level.OFF;
        } else if (v >= Level.SEVERE.intValue()) {
            return System.Logger.Level.ERROR;
        } else if (v >= Level.WARNING.intValue()) {
            return System.Logger.Level.WARNING;
        } else if (v >= Level.INFO.intValue()) {
            return System.Logger.Level.INFO;
        } else if (v >= Level.FINE.intValue()) {
            return System.Logger.Level.DEBUG;
        } else if (v > Level.ALL.intValue()) {
            return System.Logger.Level.TRACE;
        }
        return System.Logger.Level.ALL;
    }

    /**
     * Keeps what the named loggers (and the loggers below them; "" is the root) log while the
     * capture is open, as the default backend receives it: for tests that check a message was
     * logged, and the takeover benchmark's stage times.
     *
     * @param level the level the loggers are set to while open; null leaves their levels alone
     * @param quiet true to keep the lines from the console, all but WARNING and above
     */
    public static Capture capture(System.Logger.Level level, boolean quiet, String... loggerNames) {
        return new Capture(level, quiet, loggerNames);
    }

    /** What {@link #capture} keeps; {@link #close} gives the loggers back their level and handlers. */
    public static final class Capture implements AutoCloseable {
        /**
         * One logged line.
         *
         * @param at      when it was logged
         * @param message the message, its parameters filled in
         * @param thrown  the exception logged with it, or null
         * @param source  the class that handed it to the backend as the backend saw it: with
         *                the SLF4J binding, the caller of the SLF4J logger
         */
        public record Line(Instant at, String logger, System.Logger.Level level, String message, Throwable thrown,
                           String source) {
            /** {@link #at} in microseconds since the epoch. */
            public long micros() {
                return at.getEpochSecond() * 1_000_000L + at.getNano() / 1_000;
            }
        }

        private final List<Logger> loggers = new ArrayList<>();
        private final List<Level> levels = new ArrayList<>();
        private final List<Boolean> useParents = new ArrayList<>();
        private final List<Line> lines = new CopyOnWriteArrayList<>();
        private final boolean quiet;
        private final Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                lines.add(new Line(r.getInstant(), r.getLoggerName(), platform(r.getLevel()), text(r), r.getThrown(),
                        r.getSourceClassName()));
                if (quiet && r.getLevel().intValue() >= Level.WARNING.intValue()) {
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

        private Capture(System.Logger.Level level, boolean quiet, String... loggerNames) {
            this.quiet = quiet;
            handler.setLevel(Level.ALL);
            for (String name : loggerNames) {
                Logger logger = Logger.getLogger(name);
                loggers.add(logger);
                levels.add(logger.getLevel());
                useParents.add(logger.getUseParentHandlers());
                if (level != null) {
                    logger.setLevel(jul(level));
                }
                if (quiet) {
                    logger.setUseParentHandlers(false);
                }
                logger.addHandler(handler);
            }
        }

        /** The lines kept so far, oldest first. */
        public List<Line> lines() {
            return List.copyOf(lines);
        }

        @Override
        public synchronized void close() {
            for (int i = 0; i < loggers.size(); i++) {
                Logger logger = loggers.get(i);
                logger.removeHandler(handler);
                logger.setLevel(levels.get(i));
                logger.setUseParentHandlers(useParents.get(i));
            }
            loggers.clear();
        }
    }

    /**
     * The message of a record: the binding hands over the text already formatted (the platform
     * bridge fills in the {@code {0}} parameters itself), a direct java.util.logging caller
     * may still pass parameters.
     */
    private static String text(LogRecord r) {
        return OneLine.PARAMETERS.formatMessage(r);
    }

    private static final class OneLine extends Formatter {
        private static final OneLine PARAMETERS = new OneLine();
        private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

        @Override
        public String format(LogRecord r) {
            String logger = r.getLoggerName() == null ? "" : r.getLoggerName();
            String shortName = logger.substring(logger.lastIndexOf('.') + 1);
            StringBuilder sb = new StringBuilder()
                    .append(LocalTime.now().format(TIME)).append(' ')
                    .append(r.getLevel().getName()).append(' ')
                    .append(shortName).append(": ")
                    .append(formatMessage(r)).append(System.lineSeparator());
            if (r.getThrown() != null && OPENPAIR.isLoggable(Level.FINE)) {
                StringWriter w = new StringWriter();
                r.getThrown().printStackTrace(new PrintWriter(w));
                sb.append(w);
            } else if (r.getThrown() != null) {
                // One line of why, even without the stack: a bare SEVERE cannot be diagnosed.
                Throwable t = r.getThrown();
                StackTraceElement[] at = t.getStackTrace();
                sb.append("    ").append(t).append(at.length > 0 ? " at " + at[0] : "");
                if (t.getCause() != null) {
                    sb.append(" (cause: ").append(t.getCause()).append(')');
                }
                sb.append(System.lineSeparator());
            }
            return sb.toString();
        }
    }
}
