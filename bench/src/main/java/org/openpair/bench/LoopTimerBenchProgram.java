package org.openpair.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.Signal;
import org.openpair.guardian.SignalAction;

/**
 * The hosted side of {@code guardian bench looptimer}: catches SIGTIMEOUT with a handler that
 * reads this program's spinning thread's CPU time, then, for each firing, reads its own CPU time,
 * arms the loop timer and spins until the handler has run. The sample is the CPU time the
 * spinning thread used from the arm to the handler; {@link LoopTimerBenchmark} subtracts the
 * budget. The job comes in a static field: driver and program share the bench JVM.
 */
public final class LoopTimerBenchProgram implements GuardianProgram {
    static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    static volatile Job job;

    /** What to run, and where the CPU times used at each firing go. */
    record Job(int warmup, int firings, int hundredths, Deadline deadline, CompletableFuture<long[]> result) {
    }

    @Override
    public void run(ProcessContext ctx) {
        Job j = job;
        try {
            j.result().complete(measure(ctx, j));
        } catch (RuntimeException e) {
            j.result().completeExceptionally(e);
        }
    }

    private static long[] measure(ProcessContext ctx, Job j) {
        long spinnerId = Thread.currentThread().getId();
        AtomicLong firedAt = new AtomicLong(-1);
        ctx.signals().sigaction(Signal.SIGTIMEOUT,
                SignalAction.handler(s -> firedAt.set(THREADS.getThreadCpuTime(spinnerId))));
        long[] used = new long[j.firings()];
        int total = j.warmup() + j.firings();
        for (int i = 0; i < total; i++) {
            j.deadline().check(i, total);
            firedAt.set(-1);
            long armedAt = THREADS.getCurrentThreadCpuTime();
            ctx.setLoopTimer(j.hundredths());
            spinUntilSet(firedAt, j.deadline());
            if (firedAt.get() < 0) {
                throw new GuardianException(GuardianError.TIMED_OUT, "SIGTIMEOUT did not arrive");
            }
            if (i >= j.warmup()) {
                used[i - j.warmup()] = firedAt.get() - armedAt;
            }
        }
        return used;
    }

    /** Spins (pure CPU work) until {@code flag} is set or the deadline passes. */
    static void spinUntilSet(AtomicLong flag, Deadline deadline) {
        long x = 1;
        while (flag.get() < 0 && !deadline.passed()) {
            for (int k = 0; k < 2_000; k++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
        }
        if (x == 0) {
            System.out.print("");
        }
    }
}
