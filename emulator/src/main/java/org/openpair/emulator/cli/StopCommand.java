package org.openpair.emulator.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import org.openpair.emulator.json.Json;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.StopScope;
import org.openpair.guardian.Termination;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code guardian stop}: PROCESS_STOP_ by the operator, like TACL's STOP. */
@Command(name = "stop", mixinStandardHelpOptions = true,
        description = {"Stop a process by $NAME or cpu,pin. It ends with completion code 6. A single process's name is "
                + "freed; a primary's backup takes over the name (stop both with --pair).",
                "A hosted program is interrupted. A Java OS process is asked over its attach connection (its main "
                        + "thread is interrupted; SIGTERM if it has not attached yet), an OS executable gets SIGTERM; "
                        + "either gets SIGKILL after the grace time."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped", "1:Guardian error: 13 bad name, 14 no such process, 66 its CPU is down",
                "2:usage", "3:node not reachable"})
final class StopCommand implements Callable<Integer> {
    @Parameters(paramLabel = "$NAME|CPU,PIN", description = "The process to stop.")
    String process;

    @Option(names = "--pair", description = {"Stop both members of the process's pair (PROCESS_STOP_ specifier 1):",
            "the pair is closed first, so the backup does not take over. Without it, stopping a primary makes",
            "its backup take over."})
    boolean pair;

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
            ProcessInfo target = ProcessRef.resolve(g, process);
            g.processStop(target.handle(), pair ? StopScope.PAIR : StopScope.TARGET);
            Termination t = g.termination(target.handle()).orElse(null);
            if (output.json) {
                out.println(t == null ? Json.of(Views.process(target)) : Json.of(Views.termination(t)));
            } else {
                out.println("stopped " + target.descriptor() + (t == null ? "" : ", completion code " + t.completionCode()));
            }
        }
        out.flush();
        return ExitCodes.OK;
    }
}
