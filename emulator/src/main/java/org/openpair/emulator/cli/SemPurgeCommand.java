package org.openpair.emulator.cli;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;

import org.openpair.emulator.json.Json;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code guardian sem purge NAME}: returns orphaned permits. */
@Command(name = "purge", mixinStandardHelpOptions = true,
        description = {"Return the permits of dead holders kept as orphans (policy ORPHAN) to the semaphore.",
                "The next acquirer is told their owner died and must mark the protected state consistent."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok (also when there was nothing to purge)", "1:Guardian error: 11 no such semaphore, 13 bad name",
                "2:usage", "3:node not reachable"})
final class SemPurgeCommand implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "The semaphore.")
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
            int purged = connection.guardian().semaphorePurge(name);
            out.println(output.json ? Json.of(Map.of("name", name, "purged", purged))
                    : "purged " + purged + " orphaned permit(s) of " + name);
        }
        out.flush();
        return ExitCodes.OK;
    }
}
