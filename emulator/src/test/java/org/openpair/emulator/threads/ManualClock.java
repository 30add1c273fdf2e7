package org.openpair.emulator.threads;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A clock that moves only when a test says so: {@link #advance} moves the monotonic time and
 * runs, on the calling thread, each periodic task as often as it falls due, in time order. A
 * jump of many periods with {@link #jump} runs nothing on the way, as a stopped process sees
 * the time after a SIGSTOP.
 */
public final class ManualClock implements Clock {
    private long now = 1_000_000_000L;
    private final List<Task> tasks = new ArrayList<>();

    private static final class Task implements Periodic {
        final long period;
        final Runnable body;
        long due;
        boolean closed;

        Task(long period, Runnable body, long due) {
            this.period = period;
            this.body = body;
            this.due = due;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    @Override
    public synchronized Periodic everyAfter(Duration period, String threadName, Runnable task) {
        Task t = new Task(period.toNanos(), task, now + period.toNanos());
        tasks.add(t);
        return t;
    }

    /** Moves time on by {@code by}, running every task that falls due on the way, in time order. */
    public void advance(Duration by) {
        long end;
        synchronized (this) {
            end = now + by.toNanos();
        }
        for (int runs = 0; runs < 1_000_000; runs++) {
            Task next;
            synchronized (this) {
                next = tasks.stream().filter(t -> !t.closed && t.due <= end).min(Comparator.comparingLong(t -> t.due))
                        .orElse(null);
                if (next == null) {
                    now = end;
                    return;
                }
                // A task overdue after a jump runs at the time it is now; time never goes back.
                now = Math.max(now, next.due);
            }
            next.body.run();
            synchronized (this) {
                // Fixed delay: the next run is one period after this one ended (it took no time here).
                next.due = now + next.period;
            }
        }
        throw new IllegalStateException("more than a million runs in one advance");
    }

    /** Moves time on by {@code by} without running anything: the process was stopped meanwhile. */
    public synchronized void jump(Duration by) {
        now += by.toNanos();
        for (Task t : tasks) {
            // A stopped scheduler's overdue task runs at once when the process resumes.
            t.due = Math.min(t.due, now);
        }
    }
}
