package org.openpair.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.openpair.guardian.CheckpointResult;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.RestartPolicy;

/**
 * The pair program {@code guardian bench checkpoint} runs: as primary it creates its backup on
 * the other CPU's JVM and times its own checkpoints through the public API, next to the TCP
 * floors ({@link TcpFloor}) of the same sizes and thread model to the {@link EchoBenchProgram} in
 * the backup's JVM, then writes
 * the samples to the file the driver named ({@link PairBenchResults}) and waits to be stopped.
 * As backup it applies the checkpoints as they come ({@link ProcessContext#awaitTakeover} with
 * an applier that counts them), as a real backup does, until it is stopped.
 *
 * <p>Measured, after a warm-up of each kind:
 * <ul>
 *   <li>{@code checkpoint-rtt-100B}, {@code checkpoint-rtt-4KiB}: {@link ProcessContext#checkpoint}
 *       of 100 bytes and of 4096 bytes, from the call until it returns OK (the backup holds it);</li>
 *   <li>{@code tcp-rtt-spinning}, {@code tcp-rtt-spinning-4KiB}: the floor of a synchronous
 *       checkpoint, whose sender reads the link for its own ack before it would park
 *       ({@code AckWait}): the same sizes echoed by a peer waiting in {@code epoll_wait} (as the
 *       backup's link thread does), the requester busy-polling its read;</li>
 *   <li>{@code checkpoint-rtt-100B-spin}: where the time goes: the 100-byte round trip through
 *       {@link ProcessContext#checkpointAsync} with the caller spinning on the future instead of
 *       parking, which leaves out the wake-up of the calling thread; its waiting thread spins,
 *       so its floor is {@code tcp-rtt-spinning} too (against {@code tcp-rtt-parked} it came out
 *       at 0.44x in one run: a parked floor does not bound a waiter that spins);</li>
 *   <li>the five are taken interleaved in blocks of {@value #BLOCK} (floor, checkpoint, floor
 *       4 KiB, checkpoint 4 KiB, spinning checkpoint, floor, …), so that a noisy moment of the shared
 *       machine, and where the scheduler happens to place the threads on the two cores (a
 *       wake-up across cores costs several times one on the same core, and one placement can
 *       last for thousands of round trips: measured in separate phases, the 100-byte raw round
 *       trip once came out at 4x the 4 KiB one), weigh on the baselines as on the checkpoints,
 *       while each block still runs warm, as a steady stream of checkpoints does;</li>
 *   <li>pipelined: {@link ProcessContext#checkpointAsync} of 100 bytes with at most
 *       {@code window} futures outstanding, checkpoints per second from the first call until
 *       the last future completed, for each of several runs.</li>
 * </ul>
 * Every phase stops at the time limit; the results then say they were cut short. A checkpoint
 * that does not return OK fails the run: the figures would not be of checkpoints the backup
 * holds.
 *
 * <p>Arguments: {@link Plan#toArgs()}. Public with a public constructor, as every hosted
 * program must be. Run: {@code ./guardian bench checkpoint}.
 */
public final class CheckpointBenchProgram implements GuardianProgram {
    static final int SMALL = 100;
    static final int LARGE = 4096;
    /** A synchronous checkpoint's sender polls the link for its ack, the spinning case spins: the spinning floor. */
    static final String RAW_SMALL = TcpFloor.Model.SPINNING.caseName(SMALL);
    static final String RAW_LARGE = TcpFloor.Model.SPINNING.caseName(LARGE);
    static final String CP_SMALL = "checkpoint-rtt-100B";
    static final String CP_LARGE = "checkpoint-rtt-4KiB";
    static final String CP_SMALL_SPIN = "checkpoint-rtt-100B-spin";
    /** Round trips of one kind in a row before the next kind. */
    static final int BLOCK = 100;

    /**
     * What the primary measures.
     *
     * @param backupCpu        where its backup runs
     * @param echoPort         the echo peer's port on 127.0.0.1
     * @param results          the file to write the results to
     * @param samples          round trips measured of each of the four kinds
     * @param warmup           round trips of each kind before measuring (half for 4 KiB)
     * @param pipelined        checkpoints per pipelined run
     * @param pipelinedRuns    pipelined runs measured
     * @param pipelinedWarmup  pipelined checkpoints before the measured runs
     * @param window           most checkpoint futures outstanding in a pipelined run
     * @param limitSeconds     time limit of the whole measurement
     */
    record Plan(int backupCpu, int echoPort, Path results, int samples, int warmup, int pipelined, int pipelinedRuns,
                int pipelinedWarmup, int window, int limitSeconds) {

        List<String> toArgs() {
            return List.of(String.valueOf(backupCpu), String.valueOf(echoPort), results.toString(),
                    String.valueOf(samples), String.valueOf(warmup), String.valueOf(pipelined),
                    String.valueOf(pipelinedRuns), String.valueOf(pipelinedWarmup), String.valueOf(window),
                    String.valueOf(limitSeconds));
        }

        static Plan fromArgs(List<String> a) {
            if (a.size() != 10) {
                throw new IllegalArgumentException("expected 10 arguments, got " + a);
            }
            return new Plan(Integer.parseInt(a.get(0)), Integer.parseInt(a.get(1)), Path.of(a.get(2)),
                    Integer.parseInt(a.get(3)), Integer.parseInt(a.get(4)), Integer.parseInt(a.get(5)),
                    Integer.parseInt(a.get(6)), Integer.parseInt(a.get(7)), Integer.parseInt(a.get(8)),
                    Integer.parseInt(a.get(9)));
        }
    }

    private long deadline;
    private boolean cutShort;

    public CheckpointBenchProgram() {
    }

    @Override
    public void run(ProcessContext ctx) throws Exception {
        Plan plan = Plan.fromArgs(ctx.args());
        if (ctx.role() == PairRole.BACKUP) {
            runBackup(ctx);
            return;
        }
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(plan.limitSeconds());
        ctx.createBackup(plan.backupCpu(), RestartPolicy.TEMPORARY);
        ctx.out().println("backup created on CPU " + plan.backupCpu());
        PairBenchResults results = new PairBenchResults();
        try (TcpFloor raw = TcpFloor.connect(plan.echoPort(), TcpFloor.Model.SPINNING)) {
            measure(ctx, plan, raw, results);
        }
        results.cutShort(cutShort);
        results.writeAtomically(plan.results());
        ctx.out().println("results written to " + plan.results() + (cutShort ? " (cut short by the time limit)" : ""));
        while (!ctx.isStopRequested()) {
            Thread.sleep(60_000);
        }
    }

    private static void runBackup(ProcessContext ctx) {
        AtomicLong applied = new AtomicLong();
        try {
            ctx.awaitTakeover(bytes -> applied.incrementAndGet());
            ctx.out().println("took over after applying " + applied.get() + " checkpoints");
        } catch (GuardianException e) {
            // Stopped with the pair at the end of the run.
            ctx.out().println("stopped after applying " + applied.get() + " checkpoints");
        }
    }

    private void measure(ProcessContext ctx, Plan plan, TcpFloor raw, PairBenchResults results) throws Exception {
        byte[] small = new byte[SMALL];
        byte[] large = new byte[LARGE];
        Arrays.fill(large, (byte) 'c');
        int warm = plan.warmup();
        Series discard = new Series(0);
        rawRoundTrips(raw, SMALL, warm, discard);
        checkpoints(ctx, small, warm, discard);
        rawRoundTrips(raw, LARGE, Math.max(1, warm / 2), discard);
        checkpoints(ctx, large, Math.max(1, warm / 2), discard);
        spinningCheckpoints(ctx, small, warm, discard);
        pipelined(ctx, plan.pipelinedWarmup(), plan.window());
        ctx.out().println("warm-up done");

        Series rawSmall = new Series(plan.samples());
        Series cpSmall = new Series(plan.samples());
        Series rawLarge = new Series(plan.samples());
        Series cpLarge = new Series(plan.samples());
        Series cpSpin = new Series(plan.samples());
        for (int done = 0; done < plan.samples() && !cutShort; done += BLOCK) {
            int n = Math.min(BLOCK, plan.samples() - done);
            rawRoundTrips(raw, SMALL, n, rawSmall);
            checkpoints(ctx, small, n, cpSmall);
            rawRoundTrips(raw, LARGE, n, rawLarge);
            checkpoints(ctx, large, n, cpLarge);
            spinningCheckpoints(ctx, small, n, cpSpin);
        }
        results.series(RAW_SMALL, rawSmall.values());
        results.series(CP_SMALL, cpSmall.values());
        results.series(RAW_LARGE, rawLarge.values());
        results.series(CP_LARGE, cpLarge.values());
        results.series(CP_SMALL_SPIN, cpSpin.values());
        ctx.out().println("round trips done: " + cpSmall.count + " checkpoints of each size");
        for (int r = 0; r < plan.pipelinedRuns() && !cutShort; r++) {
            PairBenchResults.Rate rate = pipelined(ctx, plan.pipelined(), plan.window());
            results.rate(rate);
            ctx.out().printf("pipelined run %d: %d checkpoints in %.3f s, %.0f/s%n", r + 1, rate.sent(),
                    rate.nanos() / 1e9, rate.perSecond());
        }
    }

    private void rawRoundTrips(TcpFloor raw, int size, int n, Series into) throws IOException {
        for (int i = 0; i < n && inTime(i); i++) {
            into.add(raw.roundTrip(size));
        }
    }

    private void checkpoints(ProcessContext ctx, byte[] payload, int n, Series into) {
        for (int i = 0; i < n && inTime(i); i++) {
            long t0 = System.nanoTime();
            CheckpointResult r = ctx.checkpoint(payload);
            long t1 = System.nanoTime();
            if (r != CheckpointResult.OK) {
                throw new IllegalStateException("checkpoint returned " + r + ": the backup was lost during the run");
            }
            into.add(t1 - t0);
        }
    }

    /**
     * Where the time of a checkpoint goes: the same round trip through {@code checkpointAsync},
     * the caller spinning on {@code isDone()} instead of parking in {@code get()}, so the figure
     * leaves out the wake-up of the calling thread by the thread that received the ack.
     */
    private void spinningCheckpoints(ProcessContext ctx, byte[] payload, int n, Series into) throws Exception {
        for (int i = 0; i < n && inTime(i); i++) {
            long t0 = System.nanoTime();
            CompletableFuture<CheckpointResult> f = ctx.checkpointAsync(payload);
            while (!f.isDone()) {
                Thread.onSpinWait();
            }
            long t1 = System.nanoTime();
            if (f.get() != CheckpointResult.OK) {
                throw new IllegalStateException("checkpoint returned " + f.get() + ": the backup was lost during the run");
            }
            into.add(t1 - t0);
        }
    }

    /** {@code n} pipelined 100-byte checkpoints with at most {@code window} outstanding. */
    private PairBenchResults.Rate pipelined(ProcessContext ctx, int n, int window) throws InterruptedException {
        Semaphore room = new Semaphore(window);
        AtomicReference<Object> failure = new AtomicReference<>();
        byte[] payload = new byte[SMALL];
        long t0 = System.nanoTime();
        int sent = 0;
        for (; sent < n && inTime(sent); sent++) {
            room.acquire();
            CompletableFuture<CheckpointResult> f = ctx.checkpointAsync(payload);
            f.whenComplete((r, e) -> {
                if (e != null || r != CheckpointResult.OK) {
                    failure.compareAndSet(null, e != null ? e : r);
                }
                room.release();
            });
        }
        long waitMillis = Math.max(5_000, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        if (!room.tryAcquire(window, waitMillis, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("pipelined checkpoints were not all acknowledged within " + waitMillis
                    + " ms");
        }
        long elapsed = System.nanoTime() - t0;
        if (failure.get() != null) {
            throw new IllegalStateException("a pipelined checkpoint failed: " + failure.get());
        }
        return new PairBenchResults.Rate(sent, elapsed);
    }

    private boolean inTime(int i) {
        if ((i & 255) == 0 && !cutShort && System.nanoTime() - deadline > 0) {
            cutShort = true;
        }
        return !cutShort;
    }

    /** Samples in nanoseconds, in the order taken. */
    private static final class Series {
        private long[] values;
        private int count;

        Series(int expected) {
            values = new long[Math.max(16, expected)];
        }

        void add(long v) {
            if (count == values.length) {
                values = Arrays.copyOf(values, count * 2);
            }
            values[count++] = v;
        }

        long[] values() {
            return Arrays.copyOf(values, count);
        }
    }
}
