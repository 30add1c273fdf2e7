package org.openpair.bench;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import org.openpair.bench.BenchReport;
import org.openpair.bench.SemBenchmark;
import org.openpair.emulator.json.Json;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import org.openpair.emulator.cli.ExitCodes;
import org.openpair.emulator.cli.OutputOptions;

/** {@code guardian bench sem}. */
@Command(name = "sem", mixinStandardHelpOptions = true,
        description = {"Time robust semaphores next to the primitives they replace, measured in the same run.",
                "Local (one thread, uncontended, ns): shared-segment lock+unlock and a whole transaction, against a plain "
                        + "robust pthread mutex, a POSIX named semaphore and System V SEM_UNDO (all through jnr-ffi). "
                        + "Recovery (us): kill -9 of a holder JVM to a waiter holding, for the shared segment and System V "
                        + "SEM_UNDO; the POSIX named semaphore's waiter is reported as still blocked after a 1 s timed wait. "
                        + "Cluster (us): a private node of 2 CPUs in this JVM; acquire+release against the hz-imap-set floor "
                        + "(IMap.set with one sync backup from CPU 0 of keys CPU 1 owns), and kill -9 of an OS process holding the semaphore to a waiter holding it.",
                "Targets: shared-segment lock+unlock <= 100 ns; recovery <= 1 ms on one machine; cluster acquire+release "
                        + "<= 2x IMap.set. Segments go to /dev/shm and are removed afterwards."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok (whether or not the targets were met)", "1:Guardian error: 40 a phase failed or exceeded "
                + "its time limit", "2:usage", "4:internal failure"})
final class BenchSemCommand implements Callable<Integer> {
    @Option(names = "--smoke", description = "Small counts for a quick check of the output; the figures mean little.")
    boolean smoke;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        SemBenchmark bench = new SemBenchmark(smoke ? SemBenchmark.Counts.smoke() : SemBenchmark.Counts.full(),
                spec.commandLine().getErr());
        var reports = bench.run();
        for (BenchReport r : reports) {
            if (output.json()) {
                r.jsonLines().forEach(out::println);
            } else {
                r.printTable(out);
                out.println();
            }
        }
        for (String note : bench.notes()) {
            out.println(output.json() ? Json.of(java.util.Map.of("bench", "sem-recovery", "case", "posix-named-sem",
                    "note", note)) : note);
        }
        out.flush();
        return ExitCodes.OK;
    }
}
