package org.openpair.emulator.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.openpair.guardian.Guardian;
import org.openpair.guardian.ProcessInfo;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code guardian ppd}: TACL's process-pair directory. */
@Command(name = "ppd", mixinStandardHelpOptions = true,
        description = {"Show the process-pair directory: name, primary cpu,pin, backup cpu,pin (blank if none), ancestor."},
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
            List<ProcessInfo> named = name != null ? List.of(ProcessRef.resolve(g, name))
                    : g.processes().stream().filter(p -> p.name() != null)
                            .sorted((a, b) -> a.name().compareTo(b.name())).toList();
            String fmt = "%-7s %-9s %-9s %s%n";
            if (!output.json) {
                out.printf(fmt, "NAME", "PRIMARY", "BACKUP", "ANCESTOR");
            }
            for (ProcessInfo p : named) {
                String ancestor = p.ancestor() == null ? "(operator)" : p.ancestor().descriptor(null);
                if (output.json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("name", p.name().toString());
                    m.put("primary", p.handle().cpuPin());
                    m.put("primary_descriptor", p.descriptor());
                    m.put("backup", null);
                    m.put("ancestor", p.ancestor() == null ? null : ancestor);
                    out.println(Json.of(m));
                } else {
                    out.printf(fmt, p.name(), p.handle().cpuPin(), "", ancestor);
                }
            }
        }
        out.flush();
        return ExitCodes.OK;
    }
}
