package org.openpair.bench;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessFile;

/**
 * Requests per second of opens driven with nowait WRITEREADs and no thread of their own, as a
 * NonStop requester keeps many opens busy: each open has one request in flight, and the next
 * is sent from the completion of the last (on the message system's thread that read its
 * reply). The counterpart of {@link ConcurrentCallers}, where each client is a thread that
 * waits.
 */
final class NowaitChains {
    private NowaitChains() {
    }

    /**
     * {@code calls} requests shared among the first {@code opens} of {@code files}.
     *
     * @param onReply checks each reply (on the completing thread); what it throws fails the run
     * @throws GuardianException 40 if the chains have not ended a minute after the limit
     * @throws IllegalStateException carrying the first failed request
     */
    static ConcurrentCallers.Run run(List<ProcessFile> files, int opens, int calls, byte[] request, Duration timeout,
                                     Consumer<byte[]> onReply, Duration limit) {
        if (opens < 1 || opens > files.size() || calls < opens) {
            throw new IllegalArgumentException("opens 1.." + files.size() + " and at least one request each: " + opens
                    + " opens, " + calls + " requests");
        }
        CountDownLatch done = new CountDownLatch(opens);
        AtomicInteger completed = new AtomicInteger();
        AtomicLong lastEnd = new AtomicLong(Long.MIN_VALUE);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean cutShort = new AtomicBoolean();
        long start = System.nanoTime();
        long deadline = start + limit.toNanos();
        Chain.Shared shared = new Chain.Shared(request, timeout, onReply, deadline, completed, lastEnd, failure,
                cutShort, done);
        for (int c = 0; c < opens; c++) {
            int share = calls / opens + (c < calls % opens ? 1 : 0);
            new Chain(files.get(c), share, shared).next();
        }
        try {
            if (!done.await(limit.toNanos() + TimeUnit.MINUTES.toNanos(1), TimeUnit.NANOSECONDS)) {
                throw new GuardianException(GuardianError.TIMED_OUT, "of " + opens + " nowait chains, " + done.getCount()
                        + " had not ended a minute after the run's limit of " + limit.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuardianException(GuardianError.TIMED_OUT, "interrupted while " + opens + " nowait chains ran");
        }
        Throwable f = failure.get();
        if (f != null) {
            throw new IllegalStateException("a nowait request of " + opens + " opens failed: " + f, f);
        }
        return new ConcurrentCallers.Run(completed.get(), lastEnd.get() - start, cutShort.get());
    }

    /** One open's requests, each sent from the completion of the one before. */
    private static final class Chain {
        record Shared(byte[] request, Duration timeout, Consumer<byte[]> onReply, long deadline,
                      AtomicInteger completed, AtomicLong lastEnd, AtomicReference<Throwable> failure,
                      AtomicBoolean cutShort, CountDownLatch done) {
        }

        private final ProcessFile file;
        private final Shared shared;
        private int left;

        Chain(ProcessFile file, int share, Shared shared) {
            this.file = file;
            this.left = share;
            this.shared = shared;
        }

        /** Only ever called by one thread at a time: the next request leaves after the last reply. */
        void next() {
            if (left == 0 || shared.failure().get() != null) {
                end();
                return;
            }
            if (System.nanoTime() - shared.deadline() > 0) {
                shared.cutShort().set(true);
                end();
                return;
            }
            left--;
            CompletableFuture<byte[]> reply;
            try {
                reply = file.writeReadNowait(shared.request(), shared.timeout());
            } catch (RuntimeException e) {
                fail(e);
                return;
            }
            reply.whenComplete((r, e) -> {
                if (e != null) {
                    fail(e);
                    return;
                }
                try {
                    shared.onReply().accept(r);
                } catch (RuntimeException bad) {
                    fail(bad);
                    return;
                }
                shared.completed().incrementAndGet();
                next();
            });
        }

        private void fail(Throwable e) {
            shared.failure().compareAndSet(null, e);
            end();
        }

        private void end() {
            shared.lastEnd().accumulateAndGet(System.nanoTime(), Math::max);
            shared.done().countDown();
        }
    }
}
