package org.openpair.emulator.timers;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.threads.ManualClock;

/**
 * The sampler on clocks the test moves: wall time from a manual clock, the process's CPU time
 * from a counter. Nothing sleeps; each step waits until the sampler has looked again.
 */
class LoopTimersTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final Duration BOUND = Duration.ofSeconds(20);

    private final ManualClock wall = new ManualClock();
    private final AtomicLong cpu = new AtomicLong();
    private final AtomicInteger samples = new AtomicInteger();
    private final AtomicInteger fired = new AtomicInteger();
    private LoopTimers timers;
    private LoopTimer timer;

    @BeforeEach
    void start() {
        timers = new LoopTimers(9, wall);
        LongSupplier processCpu = () -> {
            samples.incrementAndGet();
            return cpu.get();
        };
        timer = timers.timer(processCpu, fired::incrementAndGet);
    }

    @AfterEach
    void close() {
        timers.close();
    }

    /** Waits until the sampler has read the armed timer's CPU clock {@code n} more times. */
    private void samplesMore(int n) {
        int target = samples.get() + n;
        TestNodes.await(n + " more samples", BOUND, () -> samples.get() >= target);
    }

    /**
     * Waits for {@code n} passes of the sampler over every timer, counted by a second timer kept
     * armed (a disarmed or fired timer's CPU clock is not read at all).
     */
    private void passes(int n) {
        AtomicInteger reads = new AtomicInteger();
        LoopTimer counter = timers.timer(() -> {
            reads.incrementAndGet();
            return 0;
        }, () -> { });
        counter.set(1);
        TestNodes.await(n + " passes of the sampler", BOUND, () -> reads.get() >= n);
        counter.close();
    }

    @Test
    void hoursOfWallTime_withoutCpuTime_neverFire_theBudgetOfCpuTimeDoes() {
        timer.set(5);                                  // 50 ms of CPU time
        samplesMore(3);
        wall.jump(Duration.ofHours(2));                // idle: wall time passes, CPU time does not
        samplesMore(5);
        assertThat(fired).hasValue(0);
        cpu.addAndGet(49 * MS);
        samplesMore(5);
        assertThat(fired).as("49 ms of a 50 ms budget").hasValue(0);
        cpu.addAndGet(2 * MS);
        TestNodes.await("SIGTIMEOUT past the budget", BOUND, () -> fired.get() == 1);
        cpu.addAndGet(1000 * MS);
        passes(5);
        assertThat(fired).as("a timer fires once per arm").hasValue(1);
        assertThat(timer.set(0)).as("a fired timer reads as disarmed").isZero();
    }

    @Test
    void aRearm_startsTheBudgetAgain_fromWhereTheProcessIsThen() {
        timer.set(10);                                 // 100 ms
        samplesMore(3);
        cpu.addAndGet(90 * MS);
        samplesMore(3);
        wall.advance(Duration.ofSeconds(1));
        timer.set(10);                                 // re-armed: 100 ms from about 90 ms
        samplesMore(3);
        cpu.addAndGet(90 * MS);                        // 180 ms in all, 90 ms since the re-arm
        samplesMore(5);
        assertThat(fired).as("90 ms since the re-arm of a 100 ms budget").hasValue(0);
        cpu.addAndGet(20 * MS);
        TestNodes.await("SIGTIMEOUT 100 ms after the re-arm", BOUND, () -> fired.get() == 1);
    }

    @Test
    void aDisarmedTimer_neverFires_whateverTheCpuUse() {
        timer.set(1);
        samplesMore(2);
        timer.set(0);
        cpu.addAndGet(10_000 * MS);
        wall.jump(Duration.ofMinutes(1));
        passes(10);
        assertThat(fired).hasValue(0);
    }
}
