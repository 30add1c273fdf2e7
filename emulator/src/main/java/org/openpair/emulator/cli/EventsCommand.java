package org.openpair.emulator.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import org.openpair.emulator.events.EventBatch;
import org.openpair.emulator.events.EventQuery;
import org.openpair.emulator.events.EventRecord;
import org.openpair.guardian.GuardianException;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code guardian events}: the node's event log, as NonStop's EMS keeps it: one line per CPU up
 * or down, process start and end, takeover, switch, fence and orphaned semaphore, from every
 * CPU, in the order the node's ring took them.
 */
@Command(name = "events", mixinStandardHelpOptions = true,
        description = {"Show the node's event log: CPUs up and down, processes started and ended (with completion "
                + "code), takeovers (with cause and duration), switches, fences and orphaned semaphores, from "
                + "every CPU, one line each, oldest first.",
                "Each line is: SEQ TIME(UTC) \\NODE cpuN KIND field=value...; the node keeps the newest "
                        + "10000 events, and each CPU also appends its own to LOG-DIR/cpuN/events.log (JSON lines)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok (also when --follow is interrupted)", "1:a Guardian error", "2:usage",
                "3:node not reachable"})
final class EventsCommand implements Callable<Integer> {
    /** How long one read waits on the CPU for a new event before --follow asks again. */
    private static final long FOLLOW_WAIT_MILLIS = 10_000;
    private static final int HIGHEST_CPU = 15;

    @Mixin
    NodeOptions node;

    @Mixin
    OutputOptions output;

    @Option(names = "--follow", description = "Keep printing events as they are logged, until interrupted (Ctrl-C).")
    boolean follow;

    @Option(names = "--since", paramLabel = "SEQ",
            description = "Start at sequence SEQ, 0 or more (default: the oldest event the node keeps); to go on "
                    + "after the last line seen, give its SEQ plus one.")
    Long since;

    @Option(names = "--cpu", paramLabel = "N", description = "Only the events CPU N (0-15) logged.")
    Integer cpu;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (since != null && since < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--since must be 0 or more: " + since);
        }
        if (cpu != null && (cpu < 0 || cpu > HIGHEST_CPU)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--cpu must be 0-" + HIGHEST_CPU + ": " + cpu);
        }
        PrintWriter out = spec.commandLine().getOut();
        long next = since == null ? 0 : since;
        try (NodeConnection connection = NodeConnection.open(node.config())) {
            while (true) {
                EventBatch b = connection.events(new EventQuery(next, EventQuery.MAX_BATCH,
                        follow ? FOLLOW_WAIT_MILLIS : 0));
                if (b.lost() > 0 && (since != null || next > 0)) {
                    spec.commandLine().getErr().println("guardian: " + b.lost() + " event(s) from sequence " + next
                            + " on were overwritten before they were read");
                }
                for (EventRecord e : b.events()) {
                    if (cpu == null || e.cpu() == cpu) {
                        out.println(output.json ? e.json() : e.text());
                    }
                }
                out.flush();
                next = b.next();
                if (!follow && b.events().size() < EventQuery.MAX_BATCH) {
                    return ExitCodes.OK;
                }
                if (Thread.currentThread().isInterrupted()) {
                    return ExitCodes.OK;
                }
            }
        } catch (InterruptedException e) {
            return ExitCodes.OK;
        } catch (GuardianException e) {
            // An interrupted follow ends its last read with a cancel: that is the way out, not a failure.
            if (Thread.interrupted()) {
                return ExitCodes.OK;
            }
            throw e;
        } finally {
            out.flush();
        }
    }
}
