package org.openpair.emulator.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import org.openpair.emulator.bench.BenchReport;
import org.openpair.emulator.bench.SpawnBenchmark;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code guardian bench}: measurements of the emulator next to Hazelcast baselines taken in the
 * same run, as a table or as JSON lines (DESIGN.md, "Benchmarks: one shape for every figure").
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure OpenPair on this machine, each figure next to a Hazelcast baseline measured in the same run.",
                "Prints the machine first, then p50, p99 and max per case; --json prints one JSON object per line."},
        subcommands = BenchCommand.Spawn.class)
final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: spawn");
    }

    /** {@code guardian bench spawn}. */
    @Command(name = "spawn", mixinStandardHelpOptions = true,
            description = {"Time process creation, stop and name lookup across CPUs.",
                    "Starts a private node of 2 CPUs in this JVM (its own name, free loopback ports 20000-50000, "
                            + "logs in a temporary directory deleted afterwards) and calls on CPU 0 for processes "
                            + "of CPU 1: hosted spawn+stop (and each half), OS spawn+stop of 'sleep 600' (and each "
                            + "half), lookup of a name (also from CPU 1 itself), and the baseline: IMap.get on "
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
            if (output.json) {
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
}
