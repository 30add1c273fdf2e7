package org.openpair.emulator.timers;


import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.openpair.emulator.threads.Clock;
import org.openpair.emulator.threads.SystemThreads;

/**
 * One CPU's loop timers: a single sampler thread that reads the CPU time of each process whose
 * timer is armed and fires the timers whose budget is spent. It samples a process again after
 * the shortest wall time in which its remaining budget could be spent (remaining CPU time over
 * the machine's cores), between {@link #MIN_PERIOD_NANOS} and {@link #MAX_PERIOD_NANOS}, so a
 * timer fires at most about a millisecond of CPU time late plus the time to hand the signal
 * over; with no timer armed the thread sleeps until an arm wakes it.
 *
 * <p>Expiry runs on a second thread ({@link #chores()}), because a default SIGTIMEOUT writes the
 * process's end to the node's tables, which takes milliseconds the sampler must not lose.
 */
public final class LoopTimers implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LoopTimers.class.getName());
    static final long MIN_PERIOD_NANOS = TimeUnit.MICROSECONDS.toNanos(1000);
    static final long MAX_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long NANOS_PER_HUNDREDTH = TimeUnit.MILLISECONDS.toNanos(10);

    private final Set<LoopTimer> timers = ConcurrentHashMap.newKeySet();
    private final Thread sampler;
    private final ScheduledExecutorService chores;
    private final int cores = Math.max(1, Runtime.getRuntime().availableProcessors());
    /** Wall time, for placing an arm between two samples; a test's manual clock moves it at will. */
    private final Clock wall;
    private volatile boolean closed;

    public LoopTimers(int cpu) {
        this(cpu, Clock.SYSTEM);
    }

    /**
     * Loop timers reading wall time from {@code wall}: with a manual one and a CPU-time supplier
     * of its own, a test decides how much of each a process has used, and the sampler (which
     * still looks every few milliseconds of real time while a timer is armed) acts on it.
     */
    public LoopTimers(int cpu, Clock wall) {
        this.wall = wall;
        this.sampler = SystemThreads.daemon(this::run, "cpu" + cpu + "-looptimers");
        this.chores = Executors.newSingleThreadScheduledExecutor(r -> SystemThreads.daemon(r, "cpu" + cpu + "-timeouts"));
        sampler.start();
    }

    /** A loop timer over the CPU time of {@code group}'s threads; {@code onExpiry} runs when it fires. */
    public LoopTimer timer(ThreadGroup group, Runnable onExpiry) {
        return new LoopTimer(this, new ProcessCpuClock(group)::nanos, onExpiry);
    }

    /**
     * A loop timer over any CPU-time clock: an OS process's, read from the kernel. The clock is
     * read only by the sampler thread and must never go backwards.
     */
    public LoopTimer timer(java.util.function.LongSupplier cpuNanos, Runnable onExpiry) {
        return new LoopTimer(this, cpuNanos, onExpiry);
    }

    /** Where expiries and their follow-ups run, off the sampler thread. */
    public ScheduledExecutorService chores() {
        return chores;
    }

    void register(LoopTimer t) {
        if (!closed) {
            timers.add(t);
        }
    }

    void unregister(LoopTimer t) {
        timers.remove(t);
    }

    long wallNanos() {
        return wall.nanoTime();
    }

    void wake() {
        LockSupport.unpark(sampler);
    }

    private void run() {
        while (!closed) {
            long sleep = IDLE_NANOS;
            for (LoopTimer t : timers) {
                try {
                    sleep = Math.min(sleep, sample(t));
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "loop timer sample failed: {0}", e.toString());
                }
            }
            LockSupport.parkNanos(this, sleep);
        }
    }

    /** Samples one timer, fires it if spent; returns how long it may wait until the next look. */
    private long sample(LoopTimer t) {
        long w = t.word();
        int setting = LoopTimer.settingOf(w);
        if (setting == 0) {
            t.lastCpu = -1;
            t.seenWord = w;
            return IDLE_NANOS;
        }
        long wallNow = wall.nanoTime();
        long cpuNow = t.cpuNanos();
        if (w != t.seenWord) {
            t.budgetStartCpu = budgetStart(t, wallNow, cpuNow);
            t.seenWord = w;
        }
        t.lastCpu = cpuNow;
        t.lastWall = wallNow;
        long budget = setting * NANOS_PER_HUNDREDTH;
        long used = cpuNow - t.budgetStartCpu;
        if (used >= budget) {
            if (t.expire(w)) {
                chores.execute(() -> {
                    try {
                        t.fire();
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "loop timer expiry failed: {0}", e.toString());
                    }
                });
            }
            return MIN_PERIOD_NANOS;
        }
        return Math.max(MIN_PERIOD_NANOS, Math.min(MAX_PERIOD_NANOS, (budget - used) / cores));
    }

    /**
     * Where the budget armed at {@code armedAt} starts on the process's CPU clock: interpolated
     * between the last sample and this one when the arm fell between them, else this sample.
     */
    private static long budgetStart(LoopTimer t, long wallNow, long cpuNow) {
        long armedAt = t.armedAtNanos();
        if (t.lastCpu < 0 || wallNow <= t.lastWall) {
            return cpuNow;
        }
        if (armedAt <= t.lastWall) {
            return t.lastCpu;
        }
        if (armedAt >= wallNow) {
            return cpuNow;
        }
        double fraction = (double) (armedAt - t.lastWall) / (wallNow - t.lastWall);
        return t.lastCpu + (long) ((cpuNow - t.lastCpu) * fraction);
    }

    @Override
    public void close() {
        closed = true;
        timers.clear();
        LockSupport.unpark(sampler);
        chores.shutdownNow();
    }
}
