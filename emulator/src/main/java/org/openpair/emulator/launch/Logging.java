package org.openpair.emulator.launch;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * One-line console logging for CPUs, the command and tests: OpenPair's own messages at INFO,
 * Hazelcast's only from WARNING up unless asked for, since its join chatter buries what an
 * operator needs to read.
 */
public final class Logging {
    /** Kept strongly: java.util.logging holds loggers weakly and would forget the levels. */
    private static final Logger OPENPAIR = Logger.getLogger("org.openpair");
    private static final Logger HAZELCAST = Logger.getLogger("com.hazelcast");

    /**
     * Loggers named in {@value #FINE_PROPERTY} (comma-separated, such as
     * {@code com.hazelcast.internal.cluster.impl}), set to FINE for a diagnosis; kept strongly too.
     */
    public static final String FINE_PROPERTY = "openpair.log.fine";
    private static final List<Logger> FINE = new ArrayList<>();

    private Logging() {
    }

    /** Configures the root console handler; {@code verbose} lets Hazelcast's INFO through. */
    public static synchronized void configure(Level openpairLevel, boolean verbose) {
        configure(openpairLevel, verbose ? Level.INFO : Level.WARNING);
    }

    /** Configures the root console handler with a level for OpenPair's and one for Hazelcast's messages. */
    public static synchronized void configure(Level openpairLevel, Level hazelcastLevel) {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        ConsoleHandler console = new ConsoleHandler();
        console.setLevel(Level.ALL);
        console.setFormatter(new OneLine());
        root.addHandler(console);
        root.setLevel(Level.INFO);
        OPENPAIR.setLevel(openpairLevel);
        HAZELCAST.setLevel(hazelcastLevel);
        FINE.clear();
        for (String name : System.getProperty(FINE_PROPERTY, "").split(",")) {
            if (!name.isBlank()) {
                Logger l = Logger.getLogger(name.strip());
                l.setLevel(Level.FINE);
                FINE.add(l);
            }
        }
    }

    private static final class OneLine extends Formatter {
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
                java.io.StringWriter w = new java.io.StringWriter();
                r.getThrown().printStackTrace(new java.io.PrintWriter(w));
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
