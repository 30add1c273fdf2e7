package org.openpair.emulator.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.openpair.emulator.json.Json;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessName;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code guardian send}: WRITEREAD from the operator's shell. */
@Command(name = "send", mixinStandardHelpOptions = true,
        description = {"Open a named process and send it requests: TEXT as one request, or, without TEXT, each line of",
                "standard input as a request. Each reply is printed on a line of its own (as UTF-8 text).",
                "The open has sync depth 1: a request in flight when the primary dies is resent to its backup",
                "and answered once."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every request was answered",
                "1:Guardian error: 13 bad name, 14 no such process, 22 request too large, 40 no reply within the "
                        + "timeout, 201 the process died and no backup took over, 60 the name now denotes another process",
                "2:usage", "3:node not reachable"})
final class SendCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "$NAME", description = "The process to send to.")
    String name;

    @Parameters(index = "1", arity = "0..1", paramLabel = "TEXT",
            description = "The request; without it, every line of standard input is one.")
    String text;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "How long to wait for each reply, resends after a takeover included (default: ${DEFAULT-VALUE}).")
    double timeoutSeconds;

    @Mixin
    NodeOptions node;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (!(timeoutSeconds > 0) || timeoutSeconds > 86_400) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--timeout must be more than 0 and at most "
                    + "86400 seconds: " + timeoutSeconds);
        }
        ProcessName pname = ProcessName.of(name);
        Duration timeout = Duration.ofNanos((long) (timeoutSeconds * 1e9));
        PrintWriter out = spec.commandLine().getOut();
        try (NodeConnection connection = NodeConnection.open(node.config());
             ProcessFile file = connection.guardian().fileOpen(pname, 1)) {
            if (text != null) {
                print(out, file, text, timeout);
            } else {
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    print(out, file, line, timeout);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read standard input", e);
        }
        out.flush();
        return ExitCodes.OK;
    }

    private void print(PrintWriter out, ProcessFile file, String request, Duration timeout) {
        byte[] reply = file.writeRead(request.getBytes(StandardCharsets.UTF_8), timeout);
        String answer = new String(reply, StandardCharsets.UTF_8);
        if (output.json) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("name", file.name().toString());
            line.put("server", file.server().toString());
            line.put("sync_id", file.syncId());
            line.put("reply", answer);
            out.println(Json.of(line));
        } else {
            out.println(answer);
        }
        out.flush();
    }
}
