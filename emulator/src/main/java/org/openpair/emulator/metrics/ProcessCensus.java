package org.openpair.emulator.metrics;

import java.util.Locale;

/**
 * How many processes of a CPU are in a state and of a kind right now: read by the
 * {@code openpair_processes} gauges at each scrape, never kept.
 */
@FunctionalInterface
public interface ProcessCensus {
    int count(State state, Kind kind);

    /** A process's place in its pair, or that it is being stopped (or fenced) whatever its place. */
    enum State {
        PRIMARY, BACKUP, SINGLE, STOPPING;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What runs: a hosted program in the CPU's JVM, a Java program in a JVM of its own, an executable. */
    enum Kind {
        HOSTED, JAVA, OS;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
