package org.openpair.emulator.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code guardian sem}: the node's robust semaphores. */
@Command(name = "sem", mixinStandardHelpOptions = true,
        description = {"Show the node's robust semaphores, their holders and orphans; purge orphans.",
                "A holder that dies gives its permits back (policy RELEASE), keeps them as an orphan until purged "
                        + "(ORPHAN), or hands them to its pair's backup (HANDOVER)."},
        subcommands = {SemListCommand.class, SemPurgeCommand.class})
final class SemCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: list or purge");
    }
}
