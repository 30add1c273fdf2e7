package org.openpair.emulator.names;

/**
 * The one function that makes a pair's epochs. An epoch is a long: a counter in the high bits
 * and, in the low {@value #CPU_BITS} bits, the number of the CPU that decided the change (the
 * CPU that ran the update; {@link org.openpair.emulator.config.NodeConfig#MAX_CPUS} is 16, so a
 * CPU number always fits). Every new epoch is {@link #next} of the previous one (or
 * {@link #first} for a new name): the counter goes up by one and the deciding CPU is written
 * below it.
 *
 * <p>Why the CPU is in it: the name table lives in AP maps, and during a split both sides may
 * change the same entry (before Hazelcast's split-brain protection sees the split, or in a node
 * whose quorum is 1). The two sides have no CPU in common, so two epochs made on different
 * sides never collide even when both come from the same previous epoch, and the merge that
 * keeps the higher epoch ({@link HigherEpochWins}) always has a strict winner. Plain long
 * comparison is the order: counter first, then CPU, so it stays total, and every epoch made by
 * {@link #next} is greater than the one it came from.
 *
 * <p>People read an epoch as {@code counter@cpu} ({@link #format}): {@code 3@1} is the third
 * epoch of the name, decided by CPU 1. Programs see the raw long ({@code Takeover.epoch()},
 * {@code PairInfo.epoch()}), which is ordered the same way.
 */
public final class Epochs {
    /** Bits below the counter that hold the deciding CPU. */
    public static final int CPU_BITS = 4;
    private static final long CPU_MASK = (1L << CPU_BITS) - 1;
    /** The largest counter an epoch can hold: no name lives through 2^59 takeovers. */
    public static final long MAX_COUNTER = Long.MAX_VALUE >>> CPU_BITS;

    private Epochs() {
    }

    /** The epoch of a name created by {@code decidingCpu}: counter 1. */
    public static long first(int decidingCpu) {
        return of(1, requireCpu(decidingCpu));
    }

    /**
     * The epoch after {@code previous}, decided by {@code decidingCpu}: the counter plus one,
     * whatever CPU made {@code previous}, so the result is greater than {@code previous}.
     *
     * @throws IllegalArgumentException a negative epoch, one at the largest counter, or a CPU
     *                                  number outside 0-15
     */
    public static long next(long previous, int decidingCpu) {
        requireCpu(decidingCpu);
        if (previous < 0) {
            throw new IllegalArgumentException("epoch " + previous + " is negative: not an epoch");
        }
        long counter = counter(previous);
        if (counter >= MAX_COUNTER) {
            throw new IllegalArgumentException("epoch " + format(previous) + " has the largest counter: no epoch follows it");
        }
        return of(counter + 1, decidingCpu);
    }

    /** The counter part: how many epochs the name has had, when every epoch came from {@link #next}. */
    public static long counter(long epoch) {
        return epoch >>> CPU_BITS;
    }

    /** The CPU that made the epoch. */
    public static int cpu(long epoch) {
        return (int) (epoch & CPU_MASK);
    }

    /**
     * How a person reads an epoch: {@code counter@cpu}; 0 (an unnamed process has no epoch) is
     * {@code 0}.
     */
    public static String format(long epoch) {
        return epoch == 0 ? "0" : counter(epoch) + "@" + cpu(epoch);
    }

    /** Checks a deciding CPU number early, where the caller can see the mistake. */
    public static int requireCpu(int decidingCpu) {
        if (decidingCpu < 0 || decidingCpu > CPU_MASK) {
            throw new IllegalArgumentException("CPU " + decidingCpu + " cannot decide an epoch: CPU numbers are 0-"
                    + CPU_MASK);
        }
        return decidingCpu;
    }

    private static long of(long counter, int cpu) {
        return counter << CPU_BITS | cpu;
    }
}
