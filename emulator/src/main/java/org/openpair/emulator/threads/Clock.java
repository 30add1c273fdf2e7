package org.openpair.emulator.threads;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The runtime's monotonic clock and periodic timers, injectable so that a test can advance time
 * instead of sleeping (or freezing a JVM) to see what a long gap does. {@link #SYSTEM} is the
 * JVM's own; tests use a manual one.
 */
public interface Clock {
    /** The monotonic clock, in nanoseconds, as {@link System#nanoTime()}: it runs on while a process is stopped. */
    long nanoTime();

    /**
     * Runs {@code task} every {@code period} after the end of its previous run (the first after
     * one period), on a thread of its own named {@code threadName}, until the returned handle is
     * closed. A task that throws is not run again, as with {@link ScheduledExecutorService}.
     */
    Periodic everyAfter(Duration period, String threadName, Runnable task);

    /** A periodic task; closing it stops it. */
    interface Periodic extends AutoCloseable {
        @Override
        void close();
    }

    /** The JVM's clock and a daemon thread of the runtime's group per periodic task. */
    Clock SYSTEM = new Clock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public Periodic everyAfter(Duration period, String threadName, Runnable task) {
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
                    r -> SystemThreads.daemon(r, threadName));
            long millis = period.toMillis();
            timer.scheduleWithFixedDelay(task, millis, millis, TimeUnit.MILLISECONDS);
            return timer::shutdownNow;
        }
    };
}
