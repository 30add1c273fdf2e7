package org.openpair.bench;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import org.openpair.emulator.cli.ExitCodes;
import org.openpair.emulator.cli.OutputOptions;

/** {@code guardian bench floors}. */
@Command(name = "floors", mixinStandardHelpOptions = true,
        description = {"Measure the floors every bench divides by, alone: useful to compare machines.",
                "Starts a private node of 2 CPUs (CPU 0 in this JVM, CPU 1 a child JVM; its own name, free loopback "
                        + "ports 20000-50000, logs in a temporary directory deleted afterwards) and measures from CPU 0: "
                        + "tcp-rtt-parked and tcp-rtt-spinning, 100 B round trips to an echo peer in CPU 1's JVM that "
                        + "waits in epoll_wait (as the CPU link's threads do), the requester waiting in epoll_wait too "
                        + "or busy-polling its read (yielding between reads, as a synchronous checkpoint's sender polls the "
                        + "link), interleaved in blocks of 100; hz-imap-set (one sync backup) and hz-imap-get of keys CPU 1's member owns, "
                        + "and hz-imap-set-idle (each set after 150 ms of silence); hz-member-removed, SIGKILL of CPU 1's "
                        + "JVM until CPU 0's member reports it removed (Hazelcast's own detection), CPU 1 started again "
                        + "after each kill.",
                "Every other bench prints its figures next to the floor of its own thread model under these names."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok", "1:Guardian error: 40 a phase exceeded its time limit, 66 a CPU JVM failed",
                "2:usage", "4:internal failure"})
final class BenchFloorsCommand implements Callable<Integer> {
    @Option(names = "--samples", paramLabel = "N",
            description = "Round trips of each TCP floor and operations of each IMap floor (default: 20000).")
    Integer samples;

    @Option(names = "--kills", paramLabel = "N", description = "SIGKILLs of CPU 1's JVM for hz-member-removed (default: 5).")
    Integer kills;

    @Option(names = "--smoke", description = "Small counts (300 samples, 1 kill) for a quick check of the output; the "
            + "figures mean little.")
    boolean smoke;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (samples != null && (samples < 1 || samples > 1_000_000)) {
            throw usage("--samples must be 1-1000000: " + samples);
        }
        if (kills != null && (kills < 1 || kills > 100)) {
            throw usage("--kills must be 1-100: " + kills);
        }
        Floors.Counts d = smoke ? Floors.Counts.smoke() : Floors.Counts.full();
        Floors.Counts counts = new Floors.Counts(samples != null ? samples : d.samples(), d.warmup(), d.idle(),
                kills != null ? kills : d.kills());
        Machine machine = Machine.current();
        List<Floors.Floor> floors = Floors.measure(counts, spec.commandLine().getErr());
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            Floors.jsonLines(machine, floors).forEach(out::println);
        } else {
            Floors.printTable(machine, floors, out);
        }
        out.flush();
        return ExitCodes.OK;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
