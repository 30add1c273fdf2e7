package org.openpair.emulator.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import org.openpair.emulator.json.Json;
import org.openpair.emulator.names.Epochs;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessName;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code guardian switch}: CHECKSWITCH from the operator. */
@Command(name = "switch", mixinStandardHelpOptions = true,
        description = {"Swap the roles of a pair (CHECKSWITCH): the backup becomes primary with every acknowledged "
                + "checkpoint applied, the old primary becomes its backup, and the pair's epoch rises.",
                "The primary's own program makes the switch at its next safe point: a $RECEIVE read with every "
                + "request answered, or a checkpoint between requests. Requests waiting unread there are resent to "
                + "the new primary; the old primary's call gets 210 and it goes on as the backup, caught up.",
                "Only a ready backup (one that holds the whole state: PPD shows it) can be switched to."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:switched", "1:Guardian error: 13 bad name, 14 no such process, 2 the pair has no backup "
                + "ready to take over, 40 the primary reached no safe point within 5 s (not switched), "
                + "210 the pair changed during the switch", "2:usage", "3:node not reachable"})
final class SwitchCommand implements Callable<Integer> {
    @Parameters(paramLabel = "$NAME", description = "The pair to switch.")
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
        ProcessName pname = ProcessName.of(name);
        try (NodeConnection connection = NodeConnection.open(node.config())) {
            Guardian g = connection.guardian();
            g.switchPair(pname);
            PairInfo after = g.processGetPairInfo(pname);
            if (output.json) {
                out.println(Json.of(Views.pair(after)));
            } else {
                out.println("switched " + pname + ": primary " + after.primary().cpuPin() + ", backup "
                        + (after.backup() == null ? "-" : after.backup().cpuPin()) + ", epoch "
                        + Epochs.format(after.epoch()));
            }
        }
        out.flush();
        return ExitCodes.OK;
    }
}
