package org.openpair.bench;

import org.openpair.emulator.cli.GuardianSubcommand;

/** Offers {@code guardian bench} to the command when this module is on the class path. */
public final class BenchSubcommand implements GuardianSubcommand {
    @Override
    public Object command() {
        return new BenchCommand();
    }
}
