package org.openpair.emulator.names;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The epoch function: strictly rising, carrying the deciding CPU, never the same on two sides of a split. */
class EpochsTest {
    /** Fixed seeds, so a failure names one that repeats it. */
    private static final long[] SEEDS = {1, 2, 3, 42, 4711, 0x5EED, 987_654_321L, -7, Long.MAX_VALUE, 20261206};

    @Test
    void first_isCounterOne_madeByTheCreatingCpu() {
        for (int cpu = 0; cpu < 16; cpu++) {
            long e = Epochs.first(cpu);
            assertThat(Epochs.counter(e)).isEqualTo(1);
            assertThat(Epochs.cpu(e)).isEqualTo(cpu);
            assertThat(e).isPositive();
        }
    }

    @Test
    void next_isGreater_byOneCounter_madeByTheDecidingCpu_forManySeededValues() {
        for (long seed : SEEDS) {
            Random random = new Random(seed);
            for (int i = 0; i < 10_000; i++) {
                long previous = anyEpoch(random);
                int cpu = random.nextInt(16);
                long next = Epochs.next(previous, cpu);
                assertThat(next).as("seed %d: next(%d, %d)", seed, previous, cpu).isGreaterThan(previous);
                assertThat(Epochs.counter(next)).as("seed %d", seed).isEqualTo(Epochs.counter(previous) + 1);
                assertThat(Epochs.cpu(next)).as("seed %d", seed).isEqualTo(cpu);
            }
        }
    }

    @Test
    void twoCpusPromotingFromTheSameEpoch_neverMakeTheSameOne_andTheOrderIsTotal() {
        for (long seed : SEEDS) {
            Random random = new Random(seed);
            for (int i = 0; i < 10_000; i++) {
                long previous = anyEpoch(random);
                int a = random.nextInt(16);
                int b = (a + 1 + random.nextInt(15)) % 16;
                long ea = Epochs.next(previous, a);
                long eb = Epochs.next(previous, b);
                assertThat(ea).as("seed %d: CPUs %d and %d from %d", seed, a, b, previous).isNotEqualTo(eb);
                // One is strictly greater: the order is the long order, counter first, then CPU.
                assertThat(Long.compare(ea, eb)).isEqualTo(Integer.compare(a, b));
            }
        }
    }

    /**
     * A split: the CPUs fall into two disjoint sides, and each side goes on making epochs from the
     * same last common one, any number of times, decided by any of its CPUs. No epoch made on one
     * side is ever made on the other.
     */
    @Test
    void twoSidesOfASplit_eachPromotingManyTimes_shareNoEpochMadeAfterTheSplit() {
        for (long seed : SEEDS) {
            Random random = new Random(seed);
            for (int split = 0; split < 500; split++) {
                List<Integer> cpus = new java.util.ArrayList<>(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
                java.util.Collections.shuffle(cpus, random);
                int cut = 1 + random.nextInt(15);
                List<Integer> sideA = cpus.subList(0, cut);
                List<Integer> sideB = cpus.subList(cut, 16);
                long common = anyEpoch(random);
                Set<Long> madeByA = walk(common, sideA, random);
                Set<Long> madeByB = walk(common, sideB, random);
                assertThat(madeByA).as("seed %d: sides %s and %s from %d", seed, sideA, sideB, common)
                        .doesNotContainAnyElementsOf(madeByB);
            }
        }
    }

    private static Set<Long> walk(long from, List<Integer> side, Random random) {
        Set<Long> made = new HashSet<>();
        long e = from;
        int steps = 1 + random.nextInt(40);
        for (int i = 0; i < steps; i++) {
            e = Epochs.next(e, side.get(random.nextInt(side.size())));
            made.add(e);
        }
        return made;
    }

    /** Any epoch the function can produce, with room for a few hundred more. */
    private static long anyEpoch(Random random) {
        long counter = 1 + (random.nextLong() >>> 1) % (Epochs.MAX_COUNTER - 1000);
        return Epochs.next((counter - 1) << Epochs.CPU_BITS, random.nextInt(16));
    }

    @Test
    void format_isCounterAtCpu() {
        assertThat(Epochs.format(Epochs.first(1))).isEqualTo("1@1");
        assertThat(Epochs.format(Epochs.next(Epochs.next(Epochs.first(0), 15), 3))).isEqualTo("3@3");
        assertThat(Epochs.format(Epochs.next(Epochs.first(10), 1))).isEqualTo("2@1");
        assertThat(Epochs.format(0)).isEqualTo("0");
    }

    @Test
    void badInput_isRefusedWithTheValue() {
        assertThatThrownBy(() -> Epochs.first(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CPU -1").hasMessageContaining("0-15");
        assertThatThrownBy(() -> Epochs.first(16)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CPU 16");
        assertThatThrownBy(() -> Epochs.next(Epochs.first(0), 16)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CPU 16");
        assertThatThrownBy(() -> Epochs.next(-5, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("epoch -5");
        long last = Long.MAX_VALUE;
        assertThat(Epochs.counter(last)).isEqualTo(Epochs.MAX_COUNTER);
        assertThatThrownBy(() -> Epochs.next(last, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("largest counter");
    }

    @Test
    void nameUpdates_refuseABadDecidingCpu_beforeTheyReachTheTable() {
        var handle = new org.openpair.guardian.ProcessHandle("N", 1, 2, 3);
        assertThatThrownBy(() -> new NameUpdates.RetireMember(handle, 16)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CPU 16");
        assertThatThrownBy(() -> new NameUpdates.Switch(handle, handle, 1, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CPU -1");
    }
}
