package org.openpair.emulator.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import org.openpair.emulator.json.Json;
import org.openpair.guardian.CpuInfo;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code guardian cpus}: which CPUs of the node are up. */
@Command(name = "cpus", mixinStandardHelpOptions = true, description = "Show the CPUs that are up.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok", "2:usage", "3:node not reachable"})
final class CpusCommand implements Callable<Integer> {
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
            var cpus = connection.guardian().cpus();
            if (output.json) {
                for (CpuInfo c : cpus) {
                    out.println(Json.of(Views.cpu(c)));
                }
            } else {
                Views.cpuTable(out, cpus);
            }
        }
        out.flush();
        return ExitCodes.OK;
    }
}
