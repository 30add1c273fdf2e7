package org.openpair.emulator.cli;

import picocli.CommandLine.Option;

/** {@code --json}: one JSON object per line instead of a table, for scripts. */
public final class OutputOptions {
    @Option(names = "--json", description = "Print JSON (one object per line) instead of a table.")
    boolean json;

    /** Whether {@code --json} was given. */
    public boolean json() {
        return json;
    }
}
