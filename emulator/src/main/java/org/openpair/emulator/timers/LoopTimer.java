package org.openpair.emulator.timers;

import java.util.concurrent.atomic.AtomicLong;

import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessContext;

/**
 * One process's SETLOOPTIMER (hosted, or a Java OS process attached to its CPU). Arming is two memory writes and no system call: the
 * setting and an arm generation go into one atomic word, the wall-clock time of the call into
 * another field. The CPU's {@link LoopTimers} thread samples the process's CPU time, notices a
 * new generation, and places the start of the budget by interpolating the process's CPU time
 * between its two samples around the arm; it fires when the process has used the budget since.
 * A re-arm racing with a firing wins: the timer fires only if its word is unchanged since it
 * was read.
 */
public final class LoopTimer {
    private static final int SETTING_BITS = 16;
    private static final long SETTING_MASK = (1L << SETTING_BITS) - 1;

    /** (arm generation << 16) | setting in hundredths; setting 0 is disarmed. */
    private final AtomicLong word = new AtomicLong();
    private volatile long armedAtNanos;
    private final LoopTimers timers;
    /** The process's CPU time in nanoseconds, never decreasing; read by the sampler thread only. */
    private final java.util.function.LongSupplier clock;
    private final Runnable onExpiry;
    private volatile boolean registered;
    private volatile boolean closed;

    // Sampler state, owned by the LoopTimers thread.
    long seenWord;
    long budgetStartCpu;
    long lastCpu = -1;
    long lastWall;

    LoopTimer(LoopTimers timers, java.util.function.LongSupplier clock, Runnable onExpiry) {
        this.timers = timers;
        this.clock = clock;
        this.onExpiry = onExpiry;
    }

    /**
     * SETLOOPTIMER: see {@link ProcessContext#setLoopTimer}.
     *
     * @return the previous setting, 0 if disarmed
     */
    public int set(int hundredths) {
        if (hundredths < 0 || hundredths > ProcessContext.MAX_LOOP_TIMER) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "SETLOOPTIMER takes 0-"
                    + ProcessContext.MAX_LOOP_TIMER + " hundredths of a second: " + hundredths);
        }
        if (closed) {
            return 0;
        }
        armedAtNanos = timers.wallNanos();
        long prev;
        long next;
        do {
            prev = word.get();
            next = (((prev >>> SETTING_BITS) + 1) << SETTING_BITS) | hundredths;
        } while (!word.compareAndSet(prev, next));
        int previous = (int) (prev & SETTING_MASK);
        if (hundredths != 0 && previous == 0) {
            // From disarmed: the sampler may be idle; wake it to place the budget's start.
            if (!registered) {
                registered = true;
                timers.register(this);
            }
            timers.wake();
        }
        return previous;
    }

    /** The current setting, 0 when disarmed. */
    public int setting() {
        return (int) (word.get() & SETTING_MASK);
    }

    long word() {
        return word.get();
    }

    static int settingOf(long word) {
        return (int) (word & SETTING_MASK);
    }

    long armedAtNanos() {
        return armedAtNanos;
    }

    long cpuNanos() {
        return clock.getAsLong();
    }

    /** Disarms the timer if it still holds {@code observed}; true when this call disarmed it. */
    boolean expire(long observed) {
        return word.compareAndSet(observed, observed & ~SETTING_MASK);
    }

    void fire() {
        onExpiry.run();
    }

    /** The process ended: the timer is disarmed for good and forgotten. */
    public void close() {
        closed = true;
        word.set(0);
        timers.unregister(this);
    }
}
