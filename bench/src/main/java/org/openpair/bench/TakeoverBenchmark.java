package org.openpair.bench;

import static org.openpair.bench.TakeoverWaits.awaitLine;
import static org.openpair.bench.TakeoverWaits.awaitPrimary;
import static org.openpair.bench.TakeoverWaits.parseMicros;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

import com.hazelcast.cluster.Member;

import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.launch.CpuJvm;
import org.openpair.emulator.os.NativeOs;
import org.openpair.emulator.threads.SystemThreads;
import org.openpair.emulator.pairs.PairMember;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;

/**
 * {@code guardian bench takeover}: how long a process pair is without a primary after a fault,
 * from the fault until the name resolves to the new primary <em>and</em> the new primary runs
 * as such (its {@code awaitTakeover} has returned), whichever comes later.
 *
 * <p>The node ({@link PairBenchNode}): CPU 0 in this JVM, CPU 1 a child JVM. In every case the
 * primary ({@link TakeoverBenchProgram}, a fresh name per run) runs on CPU 1 and its backup on
 * CPU 0, so the takeover crosses JVMs and the primary's CPU can be killed for real. Faults:
 * <ul>
 *   <li>{@code process-stop}: PROCESS_STOP_ of the primary by the operator (issued on CPU 0,
 *       on a thread of its own); fault time: just before the call;</li>
 *   <li>{@code process-abend}: the primary abends when the driver creates a trigger file; fault
 *       time: what the primary logs just before it calls {@code abend};</li>
 *   <li>both with the floor {@code hz-imap-set-idle} ({@link Floors}): one IMap.set with a sync
 *       backup across the two members after {@value #IDLE_MILLIS} ms of silence, Hazelcast's
 *       threads parked, as the takeover's own table writes come: the same thread model (the
 *       same set in a tight loop, {@code hz-imap-set}, is listed too: it is several times
 *       cheaper, since no Hazelcast thread has to wake up);</li>
 *   <li>{@code cpu-kill9}: SIGKILL of CPU 1's JVM ({@link Process#destroyForcibly()}); fault
 *       time: just before the signal. CPU 0 acts on the kernel's evidence of the death (its
 *       link to CPU 1 ends and CPU 1's port refuses a new one) and has the engine remove the
 *       member at once. Floor {@code hz-member-removed} ({@link Floors}): the same kill in runs of its
 *       own ({@code cpu-kill9-engine}) where CPU 0 leaves the loss to the engine's own
 *       detection, timed when CPU 0's Hazelcast member reported CPU 1's member removed (a
 *       MembershipListener), with that series' takeover beside it;</li>
 *   <li>{@code cpu-sigstop}: SIGSTOP of CPU 1's JVM, SIGKILLed after the measurement: CPU 0 takes
 *       it over on its lease (the bench's node runs with {@code NodeConfig.ADVISED_LEASE}; about
 *       the lease length after the last renewal). Baseline
 *       {@code hz-member-removed-sigstop}: the same freeze in runs of its own
 *       ({@code cpu-sigstop-engine}) where CPU 0 leaves it to the engine's heartbeat, timed when
 *       CPU 0's member reported CPU 1's removed.</li>
 * </ul>
 * CPU 1's JVM is started again before the run after a CPU fault and the node left to settle
 * (partitions safe). The name is polled on CPU 0 with PROCESS_GETPAIRINFO_ every
 * {@value #POLL_MICROS} µs, and its time is when the first poll that showed the new primary
 * returned (an upper bound); the new primary's time is what it logged. Times are wall-clock
 * microseconds, comparable across the JVMs of one machine. Each case's parts are reported too
 * ({@code -name}, {@code -primary}, {@code -promoted}: when CPU 0 logged the backup's promotion,
 * taken from its log record ({@link StageTrace}), and for CPU faults {@code -after-detection}:
 * the takeover minus the member-removed time).
 *
 * <p>Targets (from the issues): process stop and abend p99 at most 20 ms; CPU kill -9 p99 at
 * most 50 ms; CPU SIGSTOP p99 at most 1.5 s (on the lease); on the heartbeat, at most its detection plus 0.3 s.
 *
 * <p>Run: {@code ./guardian bench takeover [--runs N] [--heartbeat-timeout S] [--json]}, or
 * {@code --smoke} for a quick check.
 */
public final class TakeoverBenchmark {
    public static final String BENCH = "takeover";
    static final String STOP = "process-stop";
    static final String ABEND = "process-abend";
    static final String KILL9 = "cpu-kill9";
    static final String KILL9_ENGINE = "cpu-kill9-engine";
    static final String SIGSTOP = "cpu-sigstop";
    static final String SIGSTOP_ENGINE = "cpu-sigstop-engine";
    static final String MEMBER_REMOVED_KILL9 = Floors.MEMBER_REMOVED;
    static final String MEMBER_REMOVED_SIGSTOP = "hz-member-removed-sigstop";
    static final long POLL_MICROS = 500;
    static final int KILL9_WARMUP = 1;
    static final double TARGET_PROCESS_MS = 20;
    static final double TARGET_KILL9_MS = 50;
    static final double TARGET_AFTER_DETECTION_MS = 300;
    /** A hung CPU taken over on its lease. */
    static final double TARGET_SIGSTOP_MS = 1500;
    /** The silence before each idle IMap.set: about the pause between two takeover runs. */
    static final long IDLE_MILLIS = 150;
    static final Duration IDLE_PAUSE = Floors.idlePause();

    /**
     * How many runs of each fault.
     *
     * @param processRuns      measured runs of process stop and of process abend each
     * @param kill9Runs        measured CPU kill -9 runs
     * @param sigstopRuns      measured CPU SIGSTOP runs
     * @param warmup           unmeasured runs of process stop and abend each, first
     * @param imapSets         IMap.set baseline samples in a loop
     * @param idleSets         IMap.set baseline samples each after {@link #IDLE_PAUSE} of idling
     * @param heartbeatTimeout seconds of silence after which a CPU is declared dead
     */
    public record Counts(int processRuns, int kill9Runs, int sigstopRuns, int warmup, int imapSets, int idleSets,
                         int heartbeatTimeout) {
        public static final int DEFAULT_RUNS = 20;
        public static final int DEFAULT_HEARTBEAT_TIMEOUT = 5;

        public Counts {
            if (processRuns < 1 || kill9Runs < 1 || sigstopRuns < 1 || warmup < 0 || imapSets < 1 || idleSets < 1
                    || heartbeatTimeout < 2) {
                throw new IllegalArgumentException("counts out of range: " + processRuns + "/" + kill9Runs + "/"
                        + sigstopRuns + "/" + warmup + "/" + imapSets + "/" + idleSets + "/" + heartbeatTimeout);
            }
        }

        /** {@code runs} of each process fault, half as many CPU kills (at least 10), a quarter as many SIGSTOPs (at least 5). */
        public static Counts full(int runs, int heartbeatTimeout) {
            return new Counts(runs, Math.max(10, runs / 2), Math.max(5, runs / 4), 3, 2_000, 50, heartbeatTimeout);
        }

        /**
         * Small counts for the test suite: 3 of each process fault, 1 of each CPU fault, a 3 s
         * heartbeat timeout (the shortest that leaves room for the default lease).
         */
        public static Counts smoke() {
            return new Counts(3, 1, 1, 1, 100, 5, 3);
        }
    }

    /** The fault of one run. */
    enum Fault { STOP, ABEND, KILL9, KILL9_ENGINE, SIGSTOP, SIGSTOP_ENGINE }

    private static boolean cpuFault(Fault fault) {
        return fault == Fault.KILL9 || fault == Fault.KILL9_ENGINE || fault == Fault.SIGSTOP
                || fault == Fault.SIGSTOP_ENGINE;
    }

    /**
     * One run's wall-clock times, µs since the epoch: the fault; the first poll that showed the
     * name moved; the new primary's return from awaitTakeover; CPU 0's promotion of the backup
     * (0 if not traced); the member-removed event (0 for process faults).
     */
    record Outcome(long fault, long nameMoved, long runsAsPrimary, long promoted, long memberRemoved) {
        long total() {
            return Math.max(nameMoved, runsAsPrimary) - fault;
        }
    }

    private final Counts counts;
    private final PrintWriter progress;
    private Floors.Removals removals;
    /** The unmeasured runs of the CPU faults, for the report's notes. */
    private final List<Outcome> kill9Warmups = new ArrayList<>();
    private int names;
    private StageTrace trace;

    /** @param progress where to say what is running (stderr for the command); not the report */
    public TakeoverBenchmark(Counts counts, PrintWriter progress) {
        this.counts = counts;
        this.progress = progress;
    }

    /** Runs every fault on a fresh node, closes it, and returns the figures. */
    public PairBenchReport run() {
        Machine machine = Machine.current();
        long started = System.nanoTime();
        Samples sets = new Samples(RemoteSetBaseline.CASE, counts.imapSets());
        Samples idleSets = new Samples(RemoteSetBaseline.CASE_IDLE, counts.idleSets());
        List<Outcome> stops = new ArrayList<>();
        List<Outcome> abends = new ArrayList<>();
        List<Outcome> kills = new ArrayList<>();
        List<Outcome> engineKills = new ArrayList<>();
        List<Outcome> sigstops = new ArrayList<>();
        List<Outcome> engineSigstops = new ArrayList<>();
        String nodeName;
        long leaseMillis;
        int childStarts;
        ExecutorService faults = Executors.newSingleThreadExecutor(r -> SystemThreads.daemon(r, "bench-fault"));
        // Bound before any fault's clock starts: a SIGSTOP goes through jnr-posix, and the first
        // NativeOs.get() loads it (0.15-0.5 s quiet, 1.5-4.6 s measured on a loaded machine).
        // Left to the first freeze, that load fell inside its interval: the freeze came late and
        // its takeover looked 0.4-1.5 s slower than the rest of its series.
        NativeOs.get();
        try (StageTrace stages = StageTrace.open(PairMember.class);
             PairBenchNode node = PairBenchNode.start(progress, counts.heartbeatTimeout(), false,
                     NodeConfig.ADVISED_LEASE)) {
            trace = stages;
            nodeName = node.config().nodeName();
            Path work = node.config().logDir().resolveSibling("work");
            Files.createDirectories(work);
            removals = Floors.Removals.on(node.hazelcast());

            RemoteSetBaseline baseline = new RemoteSetBaseline(node.hazelcast(), node.childMember());
            baseline.prepare();
            baseline.measure(Math.min(1_000, counts.imapSets()), null, Deadline.start("IMap.set warm-up"));
            baseline.measure(counts.imapSets(), sets, Deadline.start("IMap.set"));
            baseline.measureIdle(counts.idleSets(), IDLE_PAUSE, idleSets, Deadline.start("IMap.set after idle"));
            say("IMap.set baseline: %d sets in a loop, p50 %.2f ms; %d sets each after %d ms idle, p50 %.2f ms",
                    counts.imapSets(), sets.stats().p50() / 1e6, counts.idleSets(), IDLE_PAUSE.toMillis(),
                    idleSets.stats().p50() / 1e6);

            series(node, work, faults, Fault.STOP, counts.warmup(), counts.processRuns(), stops);
            series(node, work, faults, Fault.ABEND, counts.warmup(), counts.processRuns(), abends);
            // One unmeasured kill first, as the process faults have warm-up runs: the first eviction
            // in CPU 0's JVM runs cold code. Its figure is printed and kept in the report's notes.
            series(node, work, faults, Fault.KILL9, KILL9_WARMUP, counts.kill9Runs(), kills);
            node.local().actOnKernelEvidence(false);
            try {
                series(node, work, faults, Fault.KILL9_ENGINE, 0, counts.kill9Runs(), engineKills);
            } finally {
                node.local().actOnKernelEvidence(true);
            }
            leaseMillis = node.config().lease().toMillis();
            series(node, work, faults, Fault.SIGSTOP, 0, counts.sigstopRuns(), sigstops);
            node.local().takeOverOnLease(false);
            try {
                series(node, work, faults, Fault.SIGSTOP_ENGINE, 0, counts.sigstopRuns(), engineSigstops);
            } finally {
                node.local().takeOverOnLease(true);
            }
            childStarts = node.childStarts();
        } catch (IOException e) {
            throw new UncheckedIOException("bench takeover: " + e.getMessage(), e);
        } finally {
            faults.shutdownNow();
        }
        say("done in %.1f s", (System.nanoTime() - started) / 1e9);
        return TakeoverReport.of(counts, kill9Warmups, machine, nodeName, childStarts, sets, idleSets, stops, abends,
                kills, engineKills, sigstops, engineSigstops, leaseMillis);
    }

    private void series(PairBenchNode node, Path work, ExecutorService faults, Fault fault, int warmup, int runs,
                        List<Outcome> into) {
        say("%s: %d warm-up, %d measured", caseOf(fault), warmup, runs);
        Deadline deadline = Deadline.start(caseOf(fault), Duration.ofMinutes(10));
        for (int i = 0; i < warmup + runs; i++) {
            deadline.check(i, warmup + runs);
            Outcome o = once(node, work, faults, fault);
            if (i < warmup && fault == Fault.KILL9) {
                kill9Warmups.add(o);
                say("%s warm-up run %d/%d: %.1f ms (member removed %.1f)", caseOf(fault), i + 1, warmup,
                        o.total() / 1e3, (o.memberRemoved() - o.fault()) / 1e3);
            }
            if (i >= warmup) {
                into.add(o);
                if (cpuFault(fault)) {
                    say("%s run %d/%d: %.1f ms (member removed %.1f, backup promoted %.1f, runs as primary %.1f, "
                            + "name %.1f)", caseOf(fault), i - warmup + 1, runs, o.total() / 1e3,
                            (o.memberRemoved() - o.fault()) / 1e3, (o.promoted() - o.fault()) / 1e3,
                            (o.runsAsPrimary() - o.fault()) / 1e3, (o.nameMoved() - o.fault()) / 1e3);
                }
            }
        }
    }

    /** One run: a fresh pair (primary on CPU 1, backup on CPU 0), the fault, the takeover timed, cleanup. */
    private Outcome once(PairBenchNode node, Path work, ExecutorService faults, Fault fault) {
        if (!node.child().isAlive()) {
            node.startChild();
        }
        Guardian g = node.guardian();
        ProcessName name = ProcessName.of(String.format(Locale.ROOT, "$T%03d", ++names % 1000));
        Path trigger = work.resolve("abend-" + names);
        String mode = fault == Fault.ABEND ? TakeoverBenchProgram.MODE_ABEND : TakeoverBenchProgram.MODE_WAIT;
        ProcessHandle primary = g.processSpawn(SpawnRequest.of(Program.hosted(TakeoverBenchProgram.class)).name(name)
                .cpu(PairBenchNode.CHILD_CPU)
                .args(mode, String.valueOf(PairBenchNode.LOCAL_CPU), trigger.toString()).build());
        String primaryLog = TakeoverWaits.logOf(g, primary);
        awaitLine(g, primary, primaryLog, TakeoverBenchProgram.READY);
        PairInfo pair = g.processGetPairInfo(name);
        ProcessHandle backup = pair.backup();
        if (backup == null || backup.cpu() != PairBenchNode.LOCAL_CPU || !primary.equals(pair.primary())) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, name + ": expected primary " + primary.cpuPin()
                    + " with a backup on CPU " + PairBenchNode.LOCAL_CPU + ", found " + pair);
        }
        String backupLog = TakeoverWaits.logOf(g, backup);
        CpuJvm child = node.child();
        Member childMember = node.childMember();
        if (childMember == null) {
            throw new GuardianException(GuardianError.DEVICE_DOWN, "CPU " + PairBenchNode.CHILD_CPU + " is not a member");
        }
        Future<?> stopCall = null;
        long faultAt = 0;
        switch (fault) {
            case STOP -> {
                faultAt = TakeoverBenchProgram.epochMicros();
                stopCall = faults.submit(() -> g.processStop(primary));
            }
            case ABEND -> {
                try {
                    Files.createFile(trigger);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot create the abend trigger " + trigger, e);
                }
            }
            case KILL9, KILL9_ENGINE -> {
                faultAt = TakeoverBenchProgram.epochMicros();
                child.sigkill();
            }
            case SIGSTOP, SIGSTOP_ENGINE -> {
                faultAt = TakeoverBenchProgram.epochMicros();
                child.sigstop();
            }
        }
        try {
            long nameMoved = awaitPrimary(g, name, backup, Duration.ofSeconds(counts.heartbeatTimeout() + 60L));
            long runsAsPrimary = parseMicros(awaitLine(g, backup, backupLog, TakeoverBenchProgram.TOOK_OVER_AT),
                    TakeoverBenchProgram.TOOK_OVER_AT);
            if (fault == Fault.ABEND) {
                // The primary is gone by now; its log stays.
                faultAt = parseMicros(awaitLine(g, null, primaryLog, TakeoverBenchProgram.ABEND_AT),
                        TakeoverBenchProgram.ABEND_AT);
            }
            long memberRemoved = 0;
            if (cpuFault(fault)) {
                memberRemoved = awaitRemoval(childMember.getUuid(), Duration.ofSeconds(counts.heartbeatTimeout() + 60L));
            }
            if (stopCall != null) {
                stopCall.get(30, TimeUnit.SECONDS);
            }
            long promoted = awaitPromotionRecord(name, faultAt);
            return new Outcome(faultAt, nameMoved, runsAsPrimary, promoted, memberRemoved);
        } catch (ExecutionException e) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "PROCESS_STOP_ of " + name + " failed: "
                    + e.getCause());
        } catch (TimeoutException e) {
            throw new GuardianException(GuardianError.TIMED_OUT, "PROCESS_STOP_ of " + name + " did not return within 30 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuardianException(GuardianError.TIMED_OUT, "interrupted while timing the takeover of " + name);
        } finally {
            stopQuietly(g, backup);
            if (cpuFault(fault)) {
                // Frozen or dead: gone for good. The next run that needs CPU 1 starts it again.
                if (!child.kill9(Duration.ofSeconds(30))) {
                    throw new GuardianException(GuardianError.TIMED_OUT, "the JVM of " + child.label() + " (pid "
                            + child.pid() + ") did not exit after SIGKILL");
                }
            } else {
                stopQuietly(g, primary);
            }
        }
    }

    /**
     * The time of CPU 0's log record of the backup's promotion; 0 if none comes within a second.
     * The promoting thread logs after it released the backup, so the record may trail the
     * backup's own "took over" line by a little.
     */
    private long awaitPromotionRecord(ProcessName name, long fromMicros) {
        String wanted = name.toString();
        long end = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        while (true) {
            // "{0}: {1} took over as primary at epoch ..." with the pair's name first.
            long at = trace.first(PairMember.class, m -> m.startsWith(wanted + ": ") && m.contains(" took over as primary"),
                    fromMicros);
            if (at != 0 || System.nanoTime() - end > 0) {
                return at;
            }
            LockSupport.parkNanos(Duration.ofMillis(1).toNanos());
        }
    }

    private long awaitRemoval(UUID member, Duration limit) {
        return removals.await(member, limit);
    }

    private static void stopQuietly(Guardian g, ProcessHandle h) {
        try {
            g.processStop(h);
        } catch (GuardianException e) {
            // Gone already.
        }
    }

    private static String caseOf(Fault fault) {
        return switch (fault) {
            case STOP -> STOP;
            case ABEND -> ABEND;
            case KILL9 -> KILL9;
            case KILL9_ENGINE -> KILL9_ENGINE;
            case SIGSTOP -> SIGSTOP;
            case SIGSTOP_ENGINE -> SIGSTOP_ENGINE;
        };
    }

    private void say(String format, Object... args) {
        progress.println("bench takeover: " + String.format(Locale.ROOT, format, args));
        progress.flush();
    }
}
