package org.openpair.bench;

import java.util.Arrays;

/**
 * Latency samples of one benchmark case, in nanoseconds, in the order they were taken.
 * {@link #stats()} turns them into the figures a report shows.
 *
 * <p>Filled by {@link SpawnBenchmark}; run with {@code ./guardian bench spawn}.
 */
final class Samples {
    private final String name;
    private long[] nanos;
    private int count;

    /** @param expected how many samples are planned (the array grows if more come) */
    Samples(String name, int expected) {
        this.name = name;
        this.nanos = new long[Math.max(expected, 16)];
    }

    String name() {
        return name;
    }

    void add(long nanoseconds) {
        if (nanoseconds < 0) {
            throw new IllegalArgumentException(name + ": negative sample " + nanoseconds + " ns");
        }
        if (count == nanos.length) {
            nanos = Arrays.copyOf(nanos, count * 2);
        }
        nanos[count++] = nanoseconds;
    }

    /** Appends every sample of another set. */
    void addAll(Samples other) {
        for (int i = 0; i < other.count; i++) {
            add(other.nanos[i]);
        }
    }

    int count() {
        return count;
    }

    /** n, p50, p99 and max of the samples so far; at least one sample is needed. */
    Stats stats() {
        if (count == 0) {
            throw new IllegalStateException(name + ": no samples");
        }
        return Stats.of(Arrays.copyOf(nanos, count));
    }
}
