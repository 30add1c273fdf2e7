package org.openpair.bench;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.openpair.emulator.threads.SystemThreads;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;

/**
 * {@code guardian bench looptimer}: how much CPU time past its budget a spinning hosted process
 * has used when its SIGTIMEOUT handler runs (lateness), over many firings. Baseline, in the same
 * run: a bare thread that polls a spinning thread's CPU time (ThreadMXBean) every millisecond,
 * the sampling period the loop-timer thread uses near expiry, and records the spinner's CPU time
 * when it first sees the budget spent: the floor of any design that samples CPU time, with no
 * table, no signal state and no hand-over to a handler thread.
 *
 * <p>Run: {@code ./guardian bench looptimer} (table) or {@code ./guardian bench looptimer --json}.
 */
public final class LoopTimerBenchmark {
    static final String CASE = "sigtimeout-lateness";
    static final String BASELINE = "raw-cpu-poll-lateness";

    /**
     * How much to run.
     *
     * @param firings    measured firings of each kind (at least 100 for the figures)
     * @param warmup     firings run first and not measured
     * @param hundredths the loop-timer budget of each firing
     */
    public record Counts(int firings, int warmup, int hundredths) {
        public static final int MIN_FIRINGS = 100;

        public static Counts full(int firings) {
            return new Counts(firings, 10, 5);
        }

        public static Counts smoke() {
            return new Counts(10, 2, 2);
        }
    }

    private final Counts counts;
    private final PrintWriter progress;

    public LoopTimerBenchmark(Counts counts, PrintWriter progress) {
        this.counts = counts;
        this.progress = progress;
    }

    public BenchReport run() {
        Machine machine = Machine.current();
        long budget = counts.hundredths() * 10_000_000L;
        long[] used;
        try (BenchNode bench = BenchNode.start(progress)) {
            Guardian g = bench.node().cpu(0).guardian();
            say("loop timer: %d + %d firings of %d ms of CPU time", counts.warmup(), counts.firings(),
                    counts.hundredths() * 10);
            CompletableFuture<long[]> result = new CompletableFuture<>();
            Deadline deadline = Deadline.start("looptimer firings");
            LoopTimerBenchProgram.job = new LoopTimerBenchProgram.Job(counts.warmup(), counts.firings(),
                    counts.hundredths(), deadline, result);
            g.processSpawn(SpawnRequest.of(Program.hosted(LoopTimerBenchProgram.class)).cpu(0).build());
            used = await(result);
        } finally {
            LoopTimerBenchProgram.job = null;
        }
        say("baseline: %d + %d raw polls", counts.warmup(), counts.firings());
        long[] raw = rawPoll(budget);
        return new BenchReport("looptimer", "a hosted process spins after SETLOOPTIMER(" + counts.hundredths()
                + "); figures are CPU time used past the budget when the SIGTIMEOUT handler runs", Unit.MS, machine,
                new BenchReport.Case(BASELINE, lateness(raw, budget),
                        "a bare thread polling the spinner's CPU time every 1 ms"),
                List.of(new BenchReport.Case(CASE, lateness(used, budget),
                        "SETLOOPTIMER, sampler thread, SIGTIMEOUT to a handler on the signal thread")));
    }

    private static Stats lateness(long[] used, long budget) {
        long[] late = new long[used.length];
        for (int i = 0; i < used.length; i++) {
            late[i] = used[i] - budget;
        }
        return Stats.of(late);
    }

    private long[] await(CompletableFuture<long[]> result) {
        try {
            return result.get(Deadline.PHASE_LIMIT.toMinutes() + 1, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GuardianException g) {
                throw g;
            }
            throw new GuardianException(GuardianError.INVALID_OPERATION, "the bench program failed: " + e.getCause());
        } catch (TimeoutException e) {
            throw new GuardianException(GuardianError.TIMED_OUT, "the bench program did not finish");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuardianException(GuardianError.TIMED_OUT, "interrupted");
        }
    }

    /** The baseline: a spinner and a poller, both bare threads of this JVM. */
    private long[] rawPoll(long budget) {
        Deadline deadline = Deadline.start("raw poll baseline");
        long[] used = new long[counts.firings()];
        int total = counts.warmup() + counts.firings();
        AtomicLong armedAt = new AtomicLong(-1);
        AtomicLong firedAt = new AtomicLong(-1);
        AtomicLong done = new AtomicLong();
        Thread spinner = SystemThreads.daemon(() -> {
            for (int i = 0; i < total && !deadline.passed(); i++) {
                firedAt.set(-1);
                armedAt.set(LoopTimerBenchProgram.THREADS.getCurrentThreadCpuTime());
                LoopTimerBenchProgram.spinUntilSet(firedAt, deadline);
                if (i >= counts.warmup()) {
                    used[i - counts.warmup()] = firedAt.get() - armedAt.get();
                }
                armedAt.set(-1);
                done.incrementAndGet();
            }
        }, "bench-raw-spinner");
        spinner.start();
        long id = spinner.getId();
        while (spinner.isAlive()) {
            long armed = armedAt.get();
            if (armed >= 0 && firedAt.get() < 0) {
                long cpu = LoopTimerBenchProgram.THREADS.getThreadCpuTime(id);
                if (cpu - armed >= budget && armedAt.get() == armed) {
                    firedAt.set(cpu);
                }
            }
            LockSupport.parkNanos(1_000_000L);
        }
        deadline.check((int) done.get(), total);
        return used;
    }

    private void say(String format, Object... args) {
        progress.printf("bench: " + format + "%n", args);
        progress.flush();
    }
}
