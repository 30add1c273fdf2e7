package org.openpair.bench;

import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import org.openpair.emulator.cli.ExitCodes;
import org.openpair.emulator.cli.OutputOptions;

/** {@code guardian bench writeread}. */
@Command(name = "writeread", mixinStandardHelpOptions = true,
        description = {"Time WRITEREAD to a process pair across two JVMs, every request checkpointed, next to the TCP "
                + "floors and a Hazelcast executor call.",
                "Starts a private node of 2 CPUs (CPU 0 in this JVM, CPU 1 a child JVM; its own name, free loopback "
                        + "ports 20000-50000, logs in a temporary directory deleted afterwards). A server pair $WRB runs "
                        + "its primary on CPU 1 and its backup on CPU 0 and answers each request with its own bytes, "
                        + "checkpointing a state change with every reply. From CPU 0 the bench times writeRead of 100 B "
                        + "and 4 KiB (round trips until the reply), interleaved with the floor of the same sizes and thread "
                        + "model, tcp-rtt-spinning (an echo peer in CPU 1's JVM waiting in epoll_wait; the requester "
                        + "reads its socket, yielding between reads, as a requester polls its link for its reply before "
                        + "it parks), with tcp-rtt-parked (both ends in epoll_wait) and IExecutorService calls to CPU "
                        + "1's member alongside; then "
                        + "requests per second with N concurrent clients (each its own open, sync depth 1, and its own "
                        + "thread waiting in writeRead), next to N concurrent executor callers and the parked floor's "
                        + "serial rate, and of the same N opens driven by no thread (writeread-100B-nowait-opens-N: each "
                        + "with one writeReadNowait in flight, the next sent from the last reply's completion). At the "
                        + "end the server's counts must match the clients': every request executed once, every reply "
                        + "checkpointed.",
                "Targets: WRITEREAD p50 at most 2.5x tcp-rtt-spinning; at least 200,000 checkpointed requests a "
                        + "second (the best throughput case). The report says whether this run met them."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok (whether or not the targets were met)",
                "1:Guardian error: 40 a phase exceeded its time limit, 66 a CPU JVM failed",
                "2:usage", "4:internal failure (also: the server's counts disagree with the clients')"})
final class BenchWriteReadCommand implements Callable<Integer> {
    @Option(names = "--samples", paramLabel = "N",
            description = "Round trips of each kind (default: 20000; at least 20000 unless --smoke).")
    Integer samples;

    @Option(names = "--runs", paramLabel = "N",
            description = "Throughput runs of 40,000 requests per client count (default: 3).")
    Integer runs;

    @Option(names = "--clients", paramLabel = "N", split = ",",
            description = "Concurrent clients of the throughput runs, rising, each 1-256 (default: 1,4,16,64).")
    java.util.List<Integer> clients;

    @Option(names = "--metrics",
            description = "The node's CPUs count into their metrics and serve them (as with metrics-port), so this run's "
                    + "figures against one without say what metrics cost; a note in the report says which it was.")
    boolean metrics;

    @Option(names = "--smoke", description = "Small counts for a quick check of the output; the figures mean little.")
    boolean smoke;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (samples != null && (samples < 5 || samples > 1_000_000)) {
            throw usage("--samples must be 5-1000000: " + samples);
        }
        if (runs != null && (runs < 1 || runs > 20)) {
            throw usage("--runs must be 1-20: " + runs);
        }
        WriteReadBenchmark.Counts counts;
        try {
            if (smoke) {
                WriteReadBenchmark.Counts s = WriteReadBenchmark.Counts.smoke();
                counts = new WriteReadBenchmark.Counts(samples != null ? samples : s.samples(), s.warmup(),
                        s.requests(), runs != null ? runs : s.runs(), clients != null ? clients : s.clients(),
                        s.limitSeconds());
            } else {
                int n = samples != null ? samples : WriteReadBenchmark.Counts.DEFAULT_SAMPLES;
                if (n < WriteReadBenchmark.Counts.MIN_SAMPLES) {
                    throw usage("--samples must be at least " + WriteReadBenchmark.Counts.MIN_SAMPLES
                            + " (or add --smoke for a quick check): " + n);
                }
                counts = WriteReadBenchmark.Counts.full(n, runs != null ? runs : WriteReadBenchmark.Counts.DEFAULT_RUNS,
                        clients != null ? clients : WriteReadBenchmark.Counts.DEFAULT_CLIENTS);
            }
        } catch (IllegalArgumentException e) {
            throw usage("--clients: " + e.getMessage());
        }
        BenchCommand.print(new WriteReadBenchmark(counts, spec.commandLine().getErr(), metrics).run(), output, spec);
        return ExitCodes.OK;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
