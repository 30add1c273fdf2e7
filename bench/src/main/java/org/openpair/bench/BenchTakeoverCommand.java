package org.openpair.bench;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import org.openpair.emulator.cli.ExitCodes;
import org.openpair.emulator.cli.OutputOptions;

/** {@code guardian bench takeover}. */
@Command(name = "takeover", mixinStandardHelpOptions = true,
        description = {"Time process-pair takeovers after a process stop, an abend, a CPU kill -9 and a CPU SIGSTOP.",
                "Starts a private node of 2 CPUs (CPU 0 in this JVM, CPU 1 a child JVM started again after every CPU "
                        + "fault). Each run creates a pair with its primary on CPU 1 and its backup on CPU 0, faults "
                        + "the primary, and times until the name resolves to the new primary and the new primary has "
                        + "returned from awaitTakeover (the later of the two). CPU 0 acts on the kernel's evidence of a "
                        + "killed CPU (cpu-kill9); the same kill is run again with CPU 0 leaving it to Hazelcast's "
                        + "own detection (cpu-kill9-engine). Floors of the same run: hz-imap-set-idle (IMap.set across "
                        + "members after 150 ms of silence) for process faults; hz-member-removed (Hazelcast's "
                        + "memberRemoved in the cpu-kill9-engine runs) for kill -9; memberRemoved after the SIGSTOP.",
                "Targets: process stop and abend p99 at most 20 ms; CPU kill -9 p99 at most 50 ms; CPU SIGSTOP at "
                        + "most the heartbeat detection + 0.3 s. The report says whether this run met them."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok (whether or not the targets were met)",
                "1:Guardian error: 40 a takeover or a phase exceeded its time limit, 66 a CPU JVM failed",
                "2:usage", "4:internal failure"})
final class BenchTakeoverCommand implements Callable<Integer> {
    @Option(names = "--runs", paramLabel = "N",
            description = "Runs of process stop and of abend (default: 20; at least 20 unless --smoke); CPU kill -9 "
                    + "gets half as many (at least 10), SIGSTOP a quarter (at least 5).")
    Integer runs;

    @Option(names = "--heartbeat-timeout", paramLabel = "SECONDS",
            description = "Silence after which the node declares a CPU dead (default: 5, the node's default; "
                    + "2 with --smoke).")
    Integer heartbeatTimeout;

    @Option(names = "--smoke",
            description = "3 runs of each process fault, 1 of each CPU fault, a 2 s heartbeat timeout: a quick check "
                    + "of the output; the figures mean little.")
    boolean smoke;

    @Option(names = "--os",
            description = "Java programs as OS processes attached to their CPU instead: the time from spawn until "
                    + "attached (target 300 ms), and kill -9 of an attached OS primary until its OS backup runs as "
                    + "primary (target p99 20 ms), next to a hosted abend of the same pair as the baseline. Both CPUs "
                    + "run in this JVM; --runs (default 20, 3 with --smoke) counts each case; --heartbeat-timeout "
                    + "does not apply.")
    boolean os;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (os) {
            if (runs != null && (runs < 1 || runs > 1000)) {
                throw usage("--runs must be 1-1000: " + runs);
            }
            int n = runs != null ? runs : smoke ? 3 : TakeoverBenchmark.Counts.DEFAULT_RUNS;
            org.openpair.bench.BenchReport report =
                    new org.openpair.bench.OsTakeoverBenchmark(n, spec.commandLine().getErr()).run();
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                report.jsonLines().forEach(out::println);
            } else {
                report.printTable(out);
            }
            out.flush();
            return ExitCodes.OK;
        }
        TakeoverBenchmark.Counts counts;
        if (heartbeatTimeout != null && (heartbeatTimeout < 2 || heartbeatTimeout > 60)) {
            throw usage("--heartbeat-timeout must be 2-60: " + heartbeatTimeout);
        }
        if (runs != null && (runs < 1 || runs > 1000)) {
            throw usage("--runs must be 1-1000: " + runs);
        }
        if (smoke) {
            TakeoverBenchmark.Counts s = TakeoverBenchmark.Counts.smoke();
            counts = new TakeoverBenchmark.Counts(runs != null ? runs : s.processRuns(), s.kill9Runs(),
                    s.sigstopRuns(), s.warmup(), s.imapSets(), s.idleSets(), heartbeatTimeout != null
                    ? heartbeatTimeout : s.heartbeatTimeout());
        } else {
            int n = runs != null ? runs : TakeoverBenchmark.Counts.DEFAULT_RUNS;
            if (n < TakeoverBenchmark.Counts.DEFAULT_RUNS) {
                throw usage("--runs must be at least " + TakeoverBenchmark.Counts.DEFAULT_RUNS
                        + " (or add --smoke for a quick check): " + n);
            }
            counts = TakeoverBenchmark.Counts.full(n, heartbeatTimeout != null ? heartbeatTimeout
                    : TakeoverBenchmark.Counts.DEFAULT_HEARTBEAT_TIMEOUT);
        }
        BenchCommand.print(new TakeoverBenchmark(counts, spec.commandLine().getErr()).run(), output, spec);
        return ExitCodes.OK;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
