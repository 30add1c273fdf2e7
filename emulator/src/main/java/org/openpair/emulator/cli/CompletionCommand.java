package org.openpair.emulator.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code guardian completion}: the bash completion script of the whole command, generated from
 * the same command model as help and man pages, so completion never offers an option that
 * does not exist.
 */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print a bash completion script for guardian (zsh can load it too, after bashcompinit).",
                "Load it in the current shell with: source <(guardian completion)"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok", "2:usage"})
final class CompletionCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        // picocli ends the script without a newline; a file written with '>' should end in one.
        out.println(AutoComplete.bash(spec.root().name(), spec.root().commandLine()));
        out.flush();
        return ExitCodes.OK;
    }
}
