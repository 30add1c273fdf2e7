package org.openpair.bench;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.openpair.emulator.threads.SystemThreads;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * N callers making synchronous request/reply calls at once, each on its own platform thread and
 * each waiting for its reply before its next request (one outstanding call per caller, as a
 * WRITEREAD with sync depth 1 allows): the most calls per second a server sustains with N
 * concurrent clients. A run shares its calls out evenly, releases every caller at the same
 * instant, and lasts until the last caller's last reply; a caller that passes the run's time
 * limit stops early and the run says it was cut short. Any failed call fails the run.
 *
 * <p>Used by {@link WriteReadBenchmark}; run with {@code ./guardian bench writeread}.
 */
final class ConcurrentCallers implements AutoCloseable {

    /** One caller's call; {@code caller} is 0..N-1 and picks the caller's own connection. */
    @FunctionalInterface
    interface Call {
        void call(int caller);
    }

    /**
     * One run's outcome.
     *
     * @param calls    calls that completed
     * @param nanos    from the release of the callers until the last reply
     * @param cutShort whether the time limit stopped callers before their share was done
     */
    record Run(int calls, long nanos, boolean cutShort) {
        double perSecond() {
            return nanos <= 0 ? 0 : calls * 1e9 / nanos;
        }
    }

    private final ExecutorService threads;
    private final int maxCallers;

    /** @param maxCallers the most callers a run may have: that many threads are kept */
    ConcurrentCallers(int maxCallers) {
        if (maxCallers < 1) {
            throw new IllegalArgumentException("at least one caller: " + maxCallers);
        }
        AtomicInteger n = new AtomicInteger();
        this.maxCallers = maxCallers;
        this.threads = Executors.newFixedThreadPool(maxCallers,
                r -> SystemThreads.daemon(r, "bench-caller-" + n.getAndIncrement()));
    }

    /**
     * {@code calls} calls shared among {@code callers} callers.
     *
     * @throws GuardianException 40 if the callers have not ended a minute after the limit
     * @throws IllegalStateException carrying the first failed call
     */
    Run run(int callers, int calls, Call call, Duration limit) {
        if (callers < 1 || callers > maxCallers || calls < callers) {
            throw new IllegalArgumentException("callers 1.." + maxCallers + " and at least one call each: " + callers
                    + " callers, " + calls + " calls");
        }
        CountDownLatch ready = new CountDownLatch(callers);
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(callers);
        AtomicInteger completed = new AtomicInteger();
        AtomicLong lastEnd = new AtomicLong(Long.MIN_VALUE);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean cutShort = new AtomicBoolean();
        long deadline = System.nanoTime() + limit.toNanos();
        long start;
        for (int c = 0; c < callers; c++) {
            int caller = c;
            int share = calls / callers + (c < calls % callers ? 1 : 0);
            threads.execute(() -> {
                try {
                    ready.countDown();
                    go.await();
                    for (int i = 0; i < share && failure.get() == null; i++) {
                        if (System.nanoTime() - deadline > 0) {
                            cutShort.set(true);
                            break;
                        }
                        call.call(caller);
                        completed.incrementAndGet();
                    }
                    long end = System.nanoTime();
                    lastEnd.accumulateAndGet(end, Math::max);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure.compareAndSet(null, e);
                } catch (RuntimeException | Error e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            });
        }
        try {
            if (!ready.await(limit.toNanos(), TimeUnit.NANOSECONDS)) {
                go.countDown();
                throw new GuardianException(GuardianError.TIMED_OUT, callers + " caller threads did not start within "
                        + limit.toSeconds() + " s");
            }
            start = System.nanoTime();
            go.countDown();
            if (!done.await(limit.toNanos() + TimeUnit.MINUTES.toNanos(1), TimeUnit.NANOSECONDS)) {
                throw new GuardianException(GuardianError.TIMED_OUT, "of " + callers + " callers, " + done.getCount()
                        + " had not ended a minute after the run's limit of " + limit.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuardianException(GuardianError.TIMED_OUT, "interrupted while " + callers + " callers ran");
        }
        Throwable f = failure.get();
        if (f != null) {
            throw new IllegalStateException("a call of " + callers + " concurrent callers failed: " + f, f);
        }
        return new Run(completed.get(), lastEnd.get() - start, cutShort.get());
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
