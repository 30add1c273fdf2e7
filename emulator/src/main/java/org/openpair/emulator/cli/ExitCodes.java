package org.openpair.emulator.cli;

/** The exit codes of every {@code guardian} command, declared once. */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int GUARDIAN_ERROR = 1;
    public static final int USAGE = 2;
    public static final int UNREACHABLE = 3;
    public static final int INTERNAL = 4;

    private ExitCodes() {
    }
}
