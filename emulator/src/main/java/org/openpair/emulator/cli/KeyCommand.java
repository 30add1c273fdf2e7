package org.openpair.emulator.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code guardian key}: the node key that CPUs and commands prove on every connection. */
@Command(name = "key", mixinStandardHelpOptions = true,
        description = {"Make or show the node key: a 32-byte secret in a file of mode 0600, like Corosync's authkey.",
                "With a key (--key-file, OPENPAIR_KEY_FILE or 'key-file' in the config file), a CPU accepts a link "
                        + "or admin connection and a call through the engine only from a holder of the same key, and "
                        + "signs the engine's records that decide who is primary. Copy the one file to every machine "
                        + "of the node (scp, mode 0600, owned by the user the CPUs run as). To change it, stop the node, "
                        + "put the new file everywhere, start it again. See docs/security.md for what it does not "
                        + "protect."},
        subcommands = {KeyNewCommand.class, KeyShowCommand.class})
final class KeyCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: new or show");
    }
}
