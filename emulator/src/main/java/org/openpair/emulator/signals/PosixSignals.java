package org.openpair.emulator.signals;

import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.Signal;

/**
 * The Linux signal an OS process receives for a {@link Signal}: the one of the same name. The
 * NonStop-only signals have no Linux twin, and an OS process cannot be asked to act on them.
 */
public final class PosixSignals {
    private PosixSignals() {
    }

    /**
     * The Linux number of {@code signal}.
     *
     * @throws GuardianException 2 the signal exists only on NonStop
     */
    public static int linuxNumber(Signal signal) {
        return switch (signal) {
            case SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGABRT, SIGFPE, SIGKILL, SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE,
                    SIGALRM, SIGTERM, SIGCHLD -> signal.number();
            default -> throw new GuardianException(GuardianError.INVALID_OPERATION, signal
                    + " exists only on NonStop; an OS process has no such signal");
        };
    }
}
