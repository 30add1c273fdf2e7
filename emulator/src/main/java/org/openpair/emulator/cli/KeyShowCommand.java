package org.openpair.emulator.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.openpair.emulator.json.Json;
import org.openpair.emulator.security.NodeKey;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code guardian key show}: the configured key file and its fingerprint, after the same checks a CPU makes. */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = {"Print the configured key file and its key's fingerprint (never the key), after the checks a CPU "
                + "makes before it uses it: compare fingerprints across machines to see that they hold the same key."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok", "1:Guardian error: 11 the file does not exist, 48 others may read it or another user "
                + "owns it, 2 it is not a node key", "2:usage (no key file named)"})
final class KeyShowCommand implements Callable<Integer> {
    @Mixin
    NodeOptions node;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Path file = configuredFile(node, spec);
        NodeKey key = NodeKey.load(file);
        PrintWriter out = spec.commandLine().getOut();
        if (output.json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("keyFile", file.toString());
            m.put("fingerprint", key.fingerprint());
            out.println(Json.of(m));
        } else {
            out.println(file + "  " + key.fingerprint());
        }
        out.flush();
        return ExitCodes.OK;
    }

    /**
     * The key file the settings name, not yet read. There is no default location: a node is
     * keyed because its operator said so, never because a file happens to exist in some directory.
     */
    static Path configuredFile(NodeOptions node, CommandLine.Model.CommandSpec spec) {
        return node.builder().keyFileSetting().orElseThrow(() -> new CommandLine.ParameterException(
                spec.commandLine(), "no key file is named: give --key-file FILE, set OPENPAIR_KEY_FILE, or put "
                        + "'key-file: FILE' in the config file"));
    }
}
