package org.openpair.emulator.cli;

import picocli.CommandLine;

/** The version from the jar's manifest, or "development" when run from classes. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = GuardianCommand.class.getPackage().getImplementationVersion();
        return new String[] {"guardian (OpenPair) " + (v == null ? "development" : v),
                "Java " + Runtime.version() + ", " + System.getProperty("os.name") + " " + System.getProperty("os.arch")};
    }
}
