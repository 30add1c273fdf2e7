package org.openpair.emulator.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import org.openpair.emulator.config.ConfigSources;

import picocli.CommandLine;

/** Runs {@code guardian ARGS...} in this JVM with the given settings sources and captures what it prints. */
final class InProcess {
    private InProcess() {
    }

    record Result(int exitCode, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- out:\n" + out + "--- err:\n" + err;
        }
    }

    static Result execute(ConfigSources sources, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        // The model main builds for these arguments, as a user's call gets it.
        CommandLine cl = GuardianCommand.commandLineFor(args, sources);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        cl.getOut().flush();
        cl.getErr().flush();
        return new Result(code, out.toString(), err.toString());
    }
}
