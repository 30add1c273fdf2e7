package org.openpair.emulator.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.openpair.emulator.json.Json;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.PairStatus;
import org.openpair.guardian.ProcessName;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code guardian ppd}: TACL's process-pair directory. */
@Command(name = "ppd", mixinStandardHelpOptions = true,
        description = {"Show the process-pair directory: name, primary cpu,pin, backup cpu,pin (blank if none), epoch (counter@cpu), ancestor."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok", "1:Guardian error: 13 bad name, 14 the process does not exist", "2:usage",
                "3:node not reachable"})
final class PpdCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "$NAME", description = "Only this name.")
    String name;

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
            List<PairInfo> pairs;
            if (name != null) {
                PairInfo one = g.processGetPairInfo(ProcessName.of(name));
                if (one.status() == PairStatus.NO_SUCH_PROCESS) {
                    throw new GuardianException(GuardianError.NO_SUCH_DEVICE, "process " + one.name() + " does not exist");
                }
                pairs = List.of(one);
            } else {
                pairs = new ArrayList<>(Views.pairsOf(g, g.processes()).values());
                pairs.removeIf(p -> p.status() == PairStatus.NO_SUCH_PROCESS);
                pairs.sort((a, b) -> a.name().compareTo(b.name()));
            }
            if (output.json) {
                pairs.forEach(p -> out.println(Json.of(Views.pair(p))));
            } else {
                Views.ppdTable(out, pairs);
            }
        }
        out.flush();
        return ExitCodes.OK;
    }
}
