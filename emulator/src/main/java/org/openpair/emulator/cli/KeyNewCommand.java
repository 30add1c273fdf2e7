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

/** {@code guardian key new}: writes a new random node key to the configured key file. */
@Command(name = "new", mixinStandardHelpOptions = true,
        description = {"Write a new random node key to the key file (--key-file, OPENPAIR_KEY_FILE or 'key-file' in the "
                + "config file), created with mode 0600, and print the file and the key's fingerprint (never the key).",
                "An existing file is never overwritten: every CPU holding the old key would be locked out. Remove it "
                        + "yourself when the node is stopped and the new key is to replace it everywhere."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok", "1:Guardian error: 12 the file exists, 48 it cannot be written",
                "2:usage (no key file named)"})
final class KeyNewCommand implements Callable<Integer> {
    @Mixin
    NodeOptions node;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Path file = KeyShowCommand.configuredFile(node, spec);
        NodeKey key = NodeKey.random();
        key.writeNew(file);
        PrintWriter out = spec.commandLine().getOut();
        if (output.json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("keyFile", file.toString());
            m.put("fingerprint", key.fingerprint());
            out.println(Json.of(m));
        } else {
            out.println("wrote node key " + file + " (mode 0600), fingerprint " + key.fingerprint());
            out.println("copy this file to every machine of the node, mode 0600, owned by the user the CPUs run as");
        }
        out.flush();
        return ExitCodes.OK;
    }
}
