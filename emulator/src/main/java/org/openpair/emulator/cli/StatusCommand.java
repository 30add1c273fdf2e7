package org.openpair.emulator.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

import org.openpair.emulator.json.Json;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.Termination;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code guardian status}: TACL STATUS for the node's processes. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show processes: name, cpu,pin, priority, kind, role (PRIMARY or BACKUP for named processes), state, started, program.",
                "A named process the name table does not place (its entry gone, or refused as forged on a node "
                        + "with a key) shows role ?: never PRIMARY by default.",
                "With --ended, the processes that ended in the last hour and why (completion code, cause).",
                "Without flags it asks the node that the config file or the OPENPAIR_* variables name "
                        + "(see CONFIGURATION in guardian(1)), else \\OPENPAIR on 127.0.0.1:5801-5816."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok", "1:Guardian error: 13 bad name, 14 no such process", "2:usage", "3:node not reachable"})
final class StatusCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "$NAME|CPU,PIN", description = "Only this process.")
    String process;

    @Option(names = "--cpu", paramLabel = "N", description = "Only processes of this CPU.")
    Integer cpu;

    @Option(names = "--ended", description = "Show processes that ended (last hour), newest first.")
    boolean ended;

    @Mixin
    NodeOptions node;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (NodeConnection connection = NodeConnection.open(node.config())) {
            Guardian g = connection.guardian();
            if (ended) {
                List<Termination> list = g.terminations().stream()
                        .filter(t -> cpu == null || t.process().cpu() == cpu).toList();
                if (output.json) {
                    list.forEach(t -> out.println(Json.of(Views.termination(t))));
                } else {
                    Views.terminationTable(out, list);
                }
            } else {
                List<ProcessInfo> list = process != null ? List.of(ProcessRef.resolve(g, process))
                        : g.processes().stream().filter(p -> cpu == null || p.handle().cpu() == cpu).toList();
                var pairs = Views.pairsOf(g, list);
                if (output.json) {
                    list.forEach(p -> out.println(Json.of(Views.process(p, pairs))));
                } else {
                    Views.statusTable(out, list, pairs);
                }
            }
        }
        out.flush();
        return ExitCodes.OK;
    }
}
