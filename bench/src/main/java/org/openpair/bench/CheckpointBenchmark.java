package org.openpair.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.StopScope;
import org.openpair.guardian.Termination;

/**
 * {@code guardian bench checkpoint}: what a process pair's checkpoint costs through the public
 * API ({@code ProcessContext.checkpoint} and {@code checkpointAsync}) when primary and backup
 * run in two JVMs, next to the floors of the same thread model ({@link Floors}) between the same
 * two JVMs and a Hazelcast {@code IMap.set} with one synchronous backup, all measured in the
 * same run. Floors: a synchronous checkpoint's sender reads the link for its own ack (for about
 * one expected round trip, before it would park), and in {@code checkpoint-rtt-100B-spin} the
 * caller spins on the future, so every round trip divides by {@value Floors#TCP_SPINNING} (and
 * its 4 KiB variant); the pipelined rate, whose sender never waits, carries that floor's serial
 * rate.
 *
 * <p>The node ({@link PairBenchNode}): CPU 0 in this JVM, CPU 1 a child JVM. The primary
 * ({@link CheckpointBenchProgram}, named {@value #NAME}) runs on CPU 0 and its backup on CPU 1;
 * the floors' echo peer ({@link EchoBenchProgram}) runs on CPU 1 too, so the floor crosses
 * exactly the two JVMs a checkpoint crosses. The primary times its own calls and writes the
 * samples to a file this driver reads; the driver times {@code IMap.set} from CPU 0's member of
 * keys CPU 1's member owns, in two batches, before and after the primary's measurement.
 *
 * <p>Targets (from the issue): checkpoint p50 at most 2x the spinning TCP floor; at least
 * 100,000 pipelined 100-byte checkpoints a second. The report says whether this run met them,
 * and by how much.
 *
 * <p>Run: {@code ./guardian bench checkpoint [--samples N] [--runs N] [--json]}, or
 * {@code --smoke} for small counts.
 */
public final class CheckpointBenchmark {
    public static final String BENCH = "checkpoint";
    static final String NAME = "$CKPT";
    static final String PIPELINED = "checkpoint-async-100B";
    static final double TARGET_RATIO = 2.0;
    static final double TARGET_OPS_PER_S = 100_000;
    static final int WINDOW = 1024;
    private static final int HEARTBEAT_TIMEOUT_SECONDS = 5;
    private static final Duration ECHO_LIMIT = Duration.ofSeconds(30);

    /**
     * How much to measure.
     *
     * @param samples    round trips of each kind (checkpoint and spinning TCP floor, 100 B and 4 KiB)
     * @param pipelined  checkpoints per pipelined run
     * @param runs       pipelined runs
     * @param imapSets   IMap.set baseline samples, half before and half after the pair's measurement
     * @param warmup     round trips of each kind before measuring (half of it for 4 KiB)
     * @param pipelinedWarmup pipelined checkpoints before the measured runs
     * @param limitSeconds    time limit of the pair's measurement
     */
    public record Counts(int samples, int pipelined, int runs, int imapSets, int warmup, int pipelinedWarmup,
                         int limitSeconds) {
        public static final int DEFAULT_SAMPLES = 25_000;
        public static final int MIN_SAMPLES = 20_000;
        public static final int DEFAULT_PIPELINED = 200_000;
        public static final int DEFAULT_RUNS = 3;

        public Counts {
            if (samples < 1 || pipelined < 1 || runs < 1 || imapSets < 2 || warmup < 1
                    || pipelinedWarmup < 1 || limitSeconds < 1) {
                throw new IllegalArgumentException("counts out of range: " + samples + "/" + pipelined + "/" + runs
                        + "/" + imapSets + "/" + warmup + "/" + pipelinedWarmup + "/" + limitSeconds);
            }
        }

        /** docs/performance.md's counts: 25,000 round trips of each kind, 3 pipelined runs of 200,000. */
        public static Counts full() {
            return full(DEFAULT_SAMPLES, DEFAULT_RUNS);
        }

        public static Counts full(int samples, int runs) {
            return new Counts(samples, DEFAULT_PIPELINED, runs, 20_000, 20_000, 100_000, 240);
        }

        /** Small counts for the test suite; the shape is right, the figures mean little. */
        public static Counts smoke() {
            return new Counts(250, 5_000, 2, 200, 200, 2_000, 60);
        }
    }

    private final Counts counts;
    private final PrintWriter progress;

    /** @param progress where to say what is running (stderr for the command); not the report */
    public CheckpointBenchmark(Counts counts, PrintWriter progress) {
        this.counts = counts;
        this.progress = progress;
    }

    /** Runs the benchmark on a fresh node, closes it, and returns the figures. */
    public PairBenchReport run() {
        Machine machine = Machine.current();
        long started = System.nanoTime();
        Samples imapSets = new Samples(RemoteSetBaseline.CASE, counts.imapSets());
        PairBenchResults results;
        String nodeName;
        long childPid;
        String backups;
        try (PairBenchNode node = PairBenchNode.start(progress, HEARTBEAT_TIMEOUT_SECONDS)) {
            nodeName = node.config().nodeName();
            childPid = node.child().pid();
            Guardian g = node.guardian();
            Path work = node.config().logDir().resolveSibling("work");
            Files.createDirectories(work);

            ProcessHandle echo = startEcho(node, g, work.resolve("echo.port"));
            int echoPort = Integer.parseInt(Files.readString(work.resolve("echo.port"), StandardCharsets.US_ASCII).trim());
            say("echo peer %s on CPU %d listens on 127.0.0.1:%d", echo.cpuPin(), PairBenchNode.CHILD_CPU, echoPort);

            RemoteSetBaseline sets = new RemoteSetBaseline(node.hazelcast(), node.childMember());
            backups = sets.backups();
            int[] batches = SpawnBenchmark.split(counts.imapSets(), 2);
            sets.prepare();
            sets.measure(Math.min(counts.warmup(), 5_000), null, Deadline.start("IMap.set warm-up"));
            setBatch(sets, batches[0], imapSets, 1);

            Path resultFile = work.resolve("checkpoint.results");
            CheckpointBenchProgram.Plan plan = new CheckpointBenchProgram.Plan(PairBenchNode.CHILD_CPU, echoPort,
                    resultFile, counts.samples(), counts.warmup(), counts.pipelined(), counts.runs(),
                    counts.pipelinedWarmup(), WINDOW, counts.limitSeconds());
            say("pair %s: primary on CPU %d (this JVM), backup on CPU %d (pid %d); %d round trips of each kind "
                    + "after %d warm-up, then %d pipelined run(s) of %d", NAME, PairBenchNode.LOCAL_CPU,
                    PairBenchNode.CHILD_CPU, childPid, counts.samples(), counts.warmup(), counts.runs(),
                    counts.pipelined());
            ProcessHandle primary = g.processSpawn(SpawnRequest.of(Program.hosted(CheckpointBenchProgram.class))
                    .name(NAME).cpu(PairBenchNode.LOCAL_CPU).args(plan.toArgs()).build());
            try {
                results = awaitResults(g, primary, resultFile, Duration.ofSeconds(counts.limitSeconds() + 120L));
            } finally {
                stopQuietly(g, primary, StopScope.PAIR);
            }
            say("pair measured%s", results.cutShort() ? " (cut short by the time limit)" : "");

            setBatch(sets, batches[1], imapSets, 2);
            stopQuietly(g, echo, StopScope.TARGET);
        } catch (IOException e) {
            throw new UncheckedIOException("bench checkpoint: " + e.getMessage(), e);
        }
        say("done in %.1f s", (System.nanoTime() - started) / 1e9);
        return report(machine, nodeName, childPid, backups, results, imapSets);
    }

    /** Starts the floors' echo peer on CPU 1 and waits until it wrote its port to {@code portFile}. */
    static ProcessHandle startEcho(PairBenchNode node, Guardian g, Path portFile) {
        ProcessHandle echo = g.processSpawn(SpawnRequest.of(Program.hosted(EchoBenchProgram.class))
                .cpu(PairBenchNode.CHILD_CPU).args(portFile.toString()).build());
        long end = System.nanoTime() + ECHO_LIMIT.toNanos();
        while (!Files.exists(portFile)) {
            if (g.process(echo).isEmpty()) {
                throw new GuardianException(GuardianError.DEVICE_DOWN, "the echo peer ended before it listened: "
                        + g.termination(echo).map(Termination::toString).orElse("?"));
            }
            if (System.nanoTime() - end > 0) {
                throw new GuardianException(GuardianError.TIMED_OUT, "the echo peer did not listen within "
                        + ECHO_LIMIT.toSeconds() + " s\n" + node.child().tail());
            }
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
        return echo;
    }

    /** Waits for the primary's results file; fails with its log if the primary ends first. */
    private PairBenchResults awaitResults(Guardian g, ProcessHandle primary, Path file, Duration limit)
            throws IOException {
        String log = g.process(primary).map(ProcessInfo::logFile).orElse(null);
        long end = System.nanoTime() + limit.toNanos();
        long nextCheck = 0;
        while (!Files.exists(file)) {
            long now = System.nanoTime();
            if (now - nextCheck > 0) {
                nextCheck = now + Duration.ofMillis(500).toNanos();
                if (g.process(primary).isEmpty()) {
                    throw new GuardianException(GuardianError.DEVICE_DOWN, "the bench primary " + NAME + " ended "
                            + "before it wrote its results: " + g.termination(primary).map(Termination::toString)
                            .orElse("?") + logTail(log));
                }
            }
            if (now - end > 0) {
                throw new GuardianException(GuardianError.TIMED_OUT, "the bench primary " + NAME + " wrote no results "
                        + "within " + limit.toSeconds() + " s" + logTail(log));
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
        return PairBenchResults.read(file);
    }

    static String logTail(String log) {
        if (log == null) {
            return "";
        }
        try {
            List<String> lines = Files.readAllLines(Path.of(log), StandardCharsets.UTF_8);
            return "\n--- " + log + ":\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 30),
                    lines.size())) + "\n---";
        } catch (IOException e) {
            return " (log " + log + " unreadable: " + e.getMessage() + ")";
        }
    }

    static void stopQuietly(Guardian g, ProcessHandle h, StopScope scope) {
        try {
            g.processStop(h, scope);
        } catch (GuardianException e) {
            // Gone already.
        }
    }

    private void setBatch(RemoteSetBaseline sets, int count, Samples into, int batch) {
        sets.prepare();
        Samples batchSamples = new Samples(RemoteSetBaseline.CASE + " " + batch, count);
        sets.measure(count, batchSamples, Deadline.start("IMap.set batch " + batch));
        Stats s = batchSamples.stats();
        say("IMap.set batch %d/2: %d sets, p50 %.1f us, p99 %.1f us", batch, count, s.p50() / 1e3, s.p99() / 1e3);
        into.addAll(batchSamples);
    }

    private PairBenchReport report(Machine machine, String nodeName, long childPid, String backups,
                                   PairBenchResults results, Samples imapSets) {
        Stats rawSmall = stats(results, CheckpointBenchProgram.RAW_SMALL);
        Stats rawLarge = stats(results, CheckpointBenchProgram.RAW_LARGE);
        Stats cpSmall = stats(results, CheckpointBenchProgram.CP_SMALL);
        Stats cpLarge = stats(results, CheckpointBenchProgram.CP_LARGE);
        Stats sets = imapSets.stats();
        String cross = "CPU 0 (this JVM) -> CPU 1 (child JVM)";
        List<PairBenchReport.Latency> latencies = new ArrayList<>();
        latencies.add(new PairBenchReport.Latency(CheckpointBenchProgram.CP_SMALL, cpSmall,
                CheckpointBenchProgram.RAW_SMALL, false, "ctx.checkpoint(byte[100]) until OK, " + cross,
                List.of(hzRatio(cpSmall, sets))));
        latencies.add(new PairBenchReport.Latency(CheckpointBenchProgram.CP_SMALL_SPIN,
                stats(results, CheckpointBenchProgram.CP_SMALL_SPIN), CheckpointBenchProgram.RAW_SMALL, true,
                "the same via checkpointAsync, caller spinning on isDone() (no wake-up of the caller)", List.of()));
        latencies.add(new PairBenchReport.Latency(CheckpointBenchProgram.CP_LARGE, cpLarge,
                CheckpointBenchProgram.RAW_LARGE, false, "ctx.checkpoint(byte[4096]) until OK, " + cross,
                List.of(hzRatio(cpLarge, sets))));
        Floors.Floor floor = new Floors.Floor(CheckpointBenchProgram.RAW_SMALL, rawSmall, Unit.US,
                Floors.tcpNote(TcpFloor.Model.SPINNING, CheckpointBenchProgram.SMALL));
        latencies.add(floor.latency());
        latencies.add(new Floors.Floor(CheckpointBenchProgram.RAW_LARGE, rawLarge, Unit.US,
                Floors.tcpNote(TcpFloor.Model.SPINNING, CheckpointBenchProgram.LARGE)).latency());
        latencies.add(new PairBenchReport.Latency(RemoteSetBaseline.CASE, sets, null, false,
                "IMap.set(100 B) on CPU 0 of keys owned by CPU 1, backups " + backups + " (2 batches)", List.of()));

        List<PairBenchReport.Throughput> throughputs = new ArrayList<>();
        List<PairBenchReport.Target> targets = new ArrayList<>();
        targets.add(PairBenchReport.Target.p50Ratio(CheckpointBenchProgram.CP_SMALL, cpSmall,
                CheckpointBenchProgram.RAW_SMALL, rawSmall, TARGET_RATIO));
        if (!results.rates().isEmpty()) {
            List<Double> runs = results.rates().stream().map(PairBenchResults.Rate::perSecond).toList();
            int n = results.rates().stream().mapToInt(PairBenchResults.Rate::sent).min().orElse(0);
            PairBenchReport.Throughput t = new PairBenchReport.Throughput(PIPELINED, n, WINDOW, runs,
                    "ctx.checkpointAsync(byte[100]), at most " + WINDOW + " futures outstanding, until the last "
                            + "completed; median of " + runs.size() + " run(s)",
                    floor.rateFields(median(runs)));
            throughputs.add(t);
            targets.add(PairBenchReport.Target.rateAtLeast(PIPELINED, t.opsPerSecond(), TARGET_OPS_PER_S));
        }
        List<String> notes = new ArrayList<>();
        notes.add(loadNote(machine));
        if (results.cutShort()) {
            notes.add("the pair's measurement was cut short by its " + counts.limitSeconds() + " s limit: see n");
        }
        String title = String.format(Locale.ROOT, "node \\%s; pair %s: primary on CPU 0 (this JVM, pid %d), backup and "
                        + "echo peer on CPU 1 (child JVM, pid %d); round trips interleaved in blocks of %d after %d "
                        + "warm-up each; IMap.set before and after", nodeName, NAME, java.lang.ProcessHandle.current().pid(),
                childPid, CheckpointBenchProgram.BLOCK, counts.warmup());
        return new PairBenchReport(BENCH, title, Unit.US, machine, latencies, throughputs, targets, notes);
    }

    private static double median(List<Double> runs) {
        List<Double> sorted = new ArrayList<>(runs);
        sorted.sort(Double::compare);
        return sorted.get(sorted.size() / 2);
    }

    /** The machine's load at the start (the machine line) and now: how shared the run was. */
    static String loadNote(Machine machine) {
        double end = Machine.loadAverage(Path.of("/proc/loadavg"));
        return String.format(Locale.ROOT, "1-minute load average %s at the start, %s at the end, on %d cores",
                machine.load() < 0 ? "?" : String.format(Locale.ROOT, "%.2f", machine.load()),
                end < 0 ? "?" : String.format(Locale.ROOT, "%.2f", end), machine.cores());
    }

    private static PairBenchReport.Field hzRatio(Stats s, Stats sets) {
        return PairBenchReport.Field.of("ratio_p50_" + RemoteSetBaseline.CASE.replace('-', '_'),
                sets.p50() == 0 ? Double.NaN : (double) s.p50() / sets.p50(), 2);
    }

    private static Stats stats(PairBenchResults results, String series) {
        long[] values = results.series(series);
        if (values.length == 0) {
            throw new GuardianException(GuardianError.TIMED_OUT, "the bench primary took no " + series
                    + " samples (cut short by its time limit?)");
        }
        return Stats.of(values);
    }

    private void say(String format, Object... args) {
        progress.println("bench checkpoint: " + String.format(Locale.ROOT, format, args));
        progress.flush();
    }
}
