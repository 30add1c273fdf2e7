package org.openpair.chaos;

import org.openpair.emulator.cli.GuardianSubcommand;

/** Offers {@code guardian chaos} to the command when this module is on the class path. */
public final class ChaosSubcommand implements GuardianSubcommand {
    @Override
    public Object command() {
        return new ChaosCommand();
    }
}
