package org.openpair.bench;

/**
 * The unit a benchmark reports its latencies in: the suffix of the JSON fields
 * ({@code p50_us}, {@code p50_ms}) and of the table's column headings.
 *
 * <p>Used by {@code ./guardian bench spawn} (microseconds).
 */
enum Unit {
    NS("ns", 1L, 0),
    US("us", 1_000L, 1),
    MS("ms", 1_000_000L, 3);

    private final String suffix;
    private final long nanos;
    private final int decimals;

    Unit(String suffix, long nanos, int decimals) {
        this.suffix = suffix;
        this.nanos = nanos;
        this.decimals = decimals;
    }

    /** "us" or "ms": the JSON field suffix; ASCII so that any terminal shows it. */
    String suffix() {
        return suffix;
    }

    /** Nanoseconds converted to this unit. */
    double of(long nanoseconds) {
        return (double) nanoseconds / nanos;
    }

    /** Decimal places worth printing in this unit. */
    int decimals() {
        return decimals;
    }
}
