package org.openpair.bench;

import java.util.Arrays;

/**
 * The figures of one case: sample count, median, 99th percentile and maximum, in nanoseconds.
 * Percentiles are nearest-rank (the smallest sample with at least p% of the samples at or
 * below it), so every figure is a latency that was actually observed.
 *
 * <p>Computed by {@link Samples#stats()}; run with {@code ./guardian bench spawn}.
 *
 * @param n     how many samples
 * @param p50   median, ns
 * @param p99   99th percentile, ns
 * @param max   largest sample, ns
 */
record Stats(int n, long p50, long p99, long max) {

    Stats {
        if (n < 1 || p50 > p99 || p99 > max) {
            throw new IllegalArgumentException("inconsistent stats: n=" + n + " p50=" + p50 + " p99=" + p99
                    + " max=" + max);
        }
    }

    /** The stats of the given samples (the array is sorted in place). */
    static Stats of(long[] samples) {
        if (samples.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        Arrays.sort(samples);
        return new Stats(samples.length, nearestRank(samples, 50), nearestRank(samples, 99),
                samples[samples.length - 1]);
    }

    /** Nearest-rank percentile of sorted samples: rank ceil(p/100 * n), counted from 1. */
    static long nearestRank(long[] sorted, int percent) {
        if (percent < 1 || percent > 100) {
            throw new IllegalArgumentException("percentile must be 1-100: " + percent);
        }
        long rank = ((long) percent * sorted.length + 99) / 100;
        return sorted[(int) Math.max(rank, 1) - 1];
    }
}
