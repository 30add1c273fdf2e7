package org.openpair.emulator.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.openpair.emulator.json.Json;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.Signal;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code guardian kill}: sends a signal to a process, as the OSS {@code kill} command does. */
@Command(name = "kill", mixinStandardHelpOptions = true,
        description = {"Send a signal to a process by $NAME or cpu,pin, from any machine of the node.",
                "A hosted program or a Java OS process acts on it as its signal state says (handler, ignore, "
                        + "blocked: pending, or the default, which ends most signals' receivers with completion code 5, "
                        + "SIGTIMEOUT's with -1); an OS executable receives the Linux signal of the same name.",
                "Signals: " + "HUP INT QUIT ILL ABRT FPE KILL USR1 SEGV USR2 PIPE ALRM TERM CHLD TIMEOUT LIMIT MEMERR "
                        + "NOMEM MEMMGR STK ABEND, with or without SIG, any case, or by number."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the signal was sent (not necessarily handled yet)",
                "1:Guardian error: 2 no such signal, or a NonStop-only signal to an OS executable; 13 bad name; "
                        + "14 no such process; 66 its CPU is down",
                "2:usage", "3:node not reachable"})
final class KillCommand implements Callable<Integer> {
    @Option(names = {"-s", "--signal"}, paramLabel = "SIGNAL", defaultValue = "TERM",
            description = "The signal (default: ${DEFAULT-VALUE}).")
    String signal;

    @Parameters(paramLabel = "$NAME|CPU,PIN", description = "The process to signal.")
    String process;

    @Mixin
    NodeOptions node;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Signal sig = Signal.parse(signal);
        PrintWriter out = spec.commandLine().getOut();
        try (NodeConnection connection = NodeConnection.open(node.config())) {
            Guardian g = connection.guardian();
            ProcessInfo target = ProcessRef.resolve(g, process);
            g.kill(target.handle(), sig);
            if (output.json) {
                Map<String, Object> m = new LinkedHashMap<>(Views.process(target));
                m.put("signal", sig.name());
                m.put("signal_number", sig.number());
                out.println(Json.of(m));
            } else {
                out.println("sent " + sig + " to " + target.descriptor());
            }
        }
        out.flush();
        return ExitCodes.OK;
    }
}
