package org.openpair.bench;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import org.openpair.bench.BenchReport;
import org.openpair.bench.CheckpointBenchmark;
import org.openpair.bench.LoopTimerBenchmark;
import org.openpair.bench.PairBenchReport;
import org.openpair.bench.SpawnBenchmark;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import org.openpair.emulator.cli.ExitCodes;
import org.openpair.emulator.cli.OutputOptions;

/**
 * {@code guardian bench}: measurements of the emulator next to the floors of {@link Floors} taken in
 * the same run, as a table or as JSON lines (DESIGN.md, "Benchmarks: one shape for every figure").
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure OpenPair on this machine, each figure next to a floor measured in the same run (raw TCP "
                + "of the same thread model, or the Hazelcast operation it competes with; bench floors prints them alone).",
                "Prints the machine first, then p50, p99 and max per case; --json prints one JSON object per line."},
        subcommands = {BenchCommand.Spawn.class, BenchCommand.Checkpoint.class, BenchTakeoverCommand.class,
                BenchWriteReadCommand.class, BenchCommand.LoopTimer.class, BenchSemCommand.class,
                BenchFloorsCommand.class})
final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: spawn, checkpoint, takeover, writeread, looptimer, sem or floors");
    }

    /** {@code guardian bench spawn}. */
    @Command(name = "spawn", mixinStandardHelpOptions = true,
            description = {"Time process creation, stop and name lookup across CPUs.",
                    "Starts a private node of 2 CPUs in this JVM (its own name, free loopback ports 20000-50000, "
                            + "logs in a temporary directory deleted afterwards) and calls on CPU 0 for processes "
                            + "of CPU 1: hosted spawn+stop (and each half), OS spawn+stop of 'sleep 600' (and each "
                            + "half), lookup of a name (answered from CPU 0's name cache; also from CPU 1 "
                            + "itself, and from CPU 0's tables without the cache), and the baseline: IMap.get on "
                            + "CPU 0 of keys owned by CPU 1. Each phase warms up first and is limited to 5 minutes.",
                    "The figures are medians and 99th percentiles on a shared machine: compare them with the "
                            + "baseline of the same run, not with another run."},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:ok", "1:Guardian error: 40 a phase exceeded its time limit, 12 no free ports",
                    "2:usage", "4:internal failure"})
    static final class Spawn implements Callable<Integer> {
        @Option(names = "--hosted", paramLabel = "N",
                description = "Hosted spawn+stop iterations (default: 1000; at least 1000 unless --smoke).")
        Integer hosted;

        @Option(names = "--os", paramLabel = "N", description = "OS spawn+stop iterations (default: 100).")
        Integer os;

        @Option(names = "--lookups", paramLabel = "N",
                description = "Name lookups from each CPU, and baseline gets (default: 2000).")
        Integer lookups;

        @Option(names = "--smoke",
                description = "Small counts (50/10/200) for a quick check of the output; the figures mean little.")
        boolean smoke;

        @Mixin
        OutputOptions output;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            SpawnBenchmark.Counts defaults = smoke ? SpawnBenchmark.Counts.smoke() : SpawnBenchmark.Counts.full();
            int h = hosted != null ? hosted : defaults.hosted();
            int o = os != null ? os : defaults.os();
            int l = lookups != null ? lookups : defaults.lookups();
            if (!smoke && h < SpawnBenchmark.Counts.DEFAULT_HOSTED) {
                throw usage("--hosted must be at least " + SpawnBenchmark.Counts.DEFAULT_HOSTED
                        + " (or add --smoke for a quick check): " + h);
            }
            check("--hosted", h, 1, 100_000);
            check("--os", o, 1, 10_000);
            check("--lookups", l, 4, 1_000_000);

            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            BenchReport report = new SpawnBenchmark(new SpawnBenchmark.Counts(h, o, l), err).run();
            if (output.json()) {
                report.jsonLines().forEach(out::println);
            } else {
                report.printTable(out);
            }
            out.flush();
            return ExitCodes.OK;
        }

        private void check(String option, int value, int min, int max) {
            if (value < min || value > max) {
                throw usage(option + " must be " + min + "-" + max + ": " + value);
            }
        }

        private CommandLine.ParameterException usage(String message) {
            return new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }

    /** Prints a pair benchmark's report as a table or as JSON lines. */
    static void print(PairBenchReport report, OutputOptions output, CommandLine.Model.CommandSpec spec) {
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            report.jsonLines().forEach(out::println);
        } else {
            report.printTable(out);
        }
        out.flush();
    }

    /** {@code guardian bench checkpoint}. */
    @Command(name = "checkpoint", mixinStandardHelpOptions = true,
            description = {"Time a process pair's checkpoints across two JVMs, next to the TCP floors and IMap.set.",
                    "Starts a private node of 2 CPUs (CPU 0 in this JVM, CPU 1 a child JVM; its own name, free loopback "
                            + "ports 20000-50000, logs in a temporary directory deleted afterwards). A pair program runs "
                            + "its primary on CPU 0 and its backup on CPU 1 and times ProcessContext.checkpoint of 100 B "
                            + "and 4 KiB (round trips until OK) and pipelined checkpointAsync of 100 B (at most 1024 "
                            + "outstanding), interleaved with the floors of the same sizes and thread model to an echo peer in "
                            + "CPU 1's JVM: tcp-rtt-spinning, the requester polling its read, since checkpoint's sender reads "
                            + "the link for its own ack; the driver times hz-imap-set, IMap.set with one sync backup "
                            + "from CPU 0 of keys CPU 1 owns.",
                    "Targets: checkpoint p50 at most 2x tcp-rtt-spinning; at least 100,000 pipelined "
                            + "checkpoints a second. The report says whether this run met them."},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:ok (whether or not the targets were met)",
                    "1:Guardian error: 40 a phase exceeded its time limit, 66 a CPU JVM failed",
                    "2:usage", "4:internal failure"})
    static final class Checkpoint implements Callable<Integer> {
        @Option(names = "--samples", paramLabel = "N",
                description = "Round trips of each kind (default: 25000; at least 20000 unless --smoke).")
        Integer samples;

        @Option(names = "--runs", paramLabel = "N", description = "Pipelined runs of 200,000 checkpoints (default: 3).")
        Integer runs;

        @Option(names = "--smoke", description = "Small counts for a quick check of the output; the figures mean little.")
        boolean smoke;

        @Mixin
        OutputOptions output;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            CheckpointBenchmark.Counts counts;
            if (smoke) {
                CheckpointBenchmark.Counts s = CheckpointBenchmark.Counts.smoke();
                counts = new CheckpointBenchmark.Counts(samples != null ? samples : s.samples(), s.pipelined(),
                        runs != null ? runs : s.runs(), s.imapSets(), s.warmup(), s.pipelinedWarmup(), s.limitSeconds());
            } else {
                int n = samples != null ? samples : CheckpointBenchmark.Counts.DEFAULT_SAMPLES;
                if (n < CheckpointBenchmark.Counts.MIN_SAMPLES) {
                    throw usage("--samples must be at least " + CheckpointBenchmark.Counts.MIN_SAMPLES
                            + " (or add --smoke for a quick check): " + n);
                }
                counts = CheckpointBenchmark.Counts.full(n, runs != null ? runs : CheckpointBenchmark.Counts.DEFAULT_RUNS);
            }
            check("--samples", counts.samples(), 5, 1_000_000);
            check("--runs", counts.runs(), 1, 20);
            print(new CheckpointBenchmark(counts, spec.commandLine().getErr()).run(), output, spec);
            return ExitCodes.OK;
        }

        private void check(String option, int value, int min, int max) {
            if (value < min || value > max) {
                throw usage(option + " must be " + min + "-" + max + ": " + value);
            }
        }

        private CommandLine.ParameterException usage(String message) {
            return new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }

    /** {@code guardian bench looptimer}. */
    @Command(name = "looptimer", mixinStandardHelpOptions = true,
            description = {"Time how late SIGTIMEOUT arrives: CPU time used past the loop timer's budget.",
                    "Starts a private node of 2 CPUs in this JVM. A hosted program on CPU 0 catches SIGTIMEOUT, then "
                            + "for each firing arms SETLOOPTIMER and spins until its handler has run; the figure is the "
                            + "CPU time its spinning thread used past the budget. Baseline of the same run: a bare thread "
                            + "polling a spinning thread's CPU time every millisecond.",
                    "Target: lateness p99 at most 20 ms. The cost of one setLoopTimer call is measured with JMH "
                            + "(see docs/performance.md)."},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:ok (whether or not the target was met)",
                    "1:Guardian error: 40 a phase exceeded its time limit", "2:usage", "4:internal failure"})
    static final class LoopTimer implements Callable<Integer> {
        @Option(names = "--firings", paramLabel = "N",
                description = "Measured firings of each kind (default: 200; at least 100 unless --smoke).")
        Integer firings;

        @Option(names = "--smoke", description = "10 firings of 20 ms: a quick check of the output; the figures mean little.")
        boolean smoke;

        @Mixin
        OutputOptions output;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            LoopTimerBenchmark.Counts counts;
            if (smoke) {
                LoopTimerBenchmark.Counts s = LoopTimerBenchmark.Counts.smoke();
                counts = new LoopTimerBenchmark.Counts(firings != null ? firings : s.firings(), s.warmup(), s.hundredths());
            } else {
                int n = firings != null ? firings : 200;
                if (n < LoopTimerBenchmark.Counts.MIN_FIRINGS) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--firings must be at least "
                            + LoopTimerBenchmark.Counts.MIN_FIRINGS + " (or add --smoke for a quick check): " + n);
                }
                counts = LoopTimerBenchmark.Counts.full(n);
            }
            if (counts.firings() < 1 || counts.firings() > 100_000) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--firings must be 1-100000: "
                        + counts.firings());
            }
            BenchReport report = new LoopTimerBenchmark(counts, spec.commandLine().getErr()).run();
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                report.jsonLines().forEach(out::println);
            } else {
                report.printTable(out);
            }
            out.flush();
            return ExitCodes.OK;
        }
    }
}
