package org.openpair.emulator.cli;

/** The exit codes of every {@code guardian} command, declared once. */
final class ExitCodes {
    static final int OK = 0;
    static final int GUARDIAN_ERROR = 1;
    static final int USAGE = 2;
    static final int UNREACHABLE = 3;
    static final int INTERNAL = 4;

    private ExitCodes() {
    }
}
