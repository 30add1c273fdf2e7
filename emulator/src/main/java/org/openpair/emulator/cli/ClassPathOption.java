package org.openpair.emulator.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine;

/**
 * The values of {@code --class-path} ({@code cpu start}, {@code node up}, {@code run}): each
 * ':'-separated, the option repeatable. A relative entry is made absolute here, against this
 * command's working directory, since the CPU that reads it may run anywhere; whether it exists
 * is the CPU's to say, on its own machine.
 */
final class ClassPathOption {
    static final String DESCRIPTION_SUFFIX = " Jars and class directories, ':'-separated or the option repeated; "
            + "relative paths are taken from the current directory.";

    private ClassPathOption() {
    }

    /** The entries, absolute; a usage error (exit 2) naming the value if one is empty. */
    static List<String> absolute(CommandLine commandLine, List<String> values) {
        List<String> entries = new ArrayList<>();
        for (String value : values) {
            for (String entry : value.split(":", -1)) {
                if (entry.isBlank()) {
                    throw new CommandLine.ParameterException(commandLine,
                            "--class-path has an empty entry: '" + value + "'");
                }
                entries.add(Path.of(entry).toAbsolutePath().normalize().toString());
            }
        }
        return entries;
    }
}
