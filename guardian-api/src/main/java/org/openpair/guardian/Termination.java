package org.openpair.guardian;

import java.time.Instant;
import java.util.Objects;

/**
 * The record of a process's death, what the -101 process-deletion message carries: which
 * process, its completion code, why, who stopped it, and for an OS process its exit status
 * or killing signal.
 *
 * @param process        the dead process's handle
 * @param name           its name, or {@code null}
 * @param program        what it ran, as STATUS showed it
 * @param cause          why it ended
 * @param completionCode 0 normal, 5 abend, 6 stopped by another process, -4 CPU down
 * @param exitStatus     an OS process's exit status; -1 when it did not exit by itself
 * @param signal         the signal that killed an OS process; 0 when none did
 * @param killer         the process that stopped it, or {@code null} (the operator, or no stop)
 * @param detail         a one-line description: the exception of an abend, the signal's name
 * @param at             when the death was recorded
 */
public record Termination(ProcessHandle process, ProcessName name, String program, TerminationCause cause,
                          int completionCode, int exitStatus, int signal, ProcessHandle killer,
                          String detail, Instant at) {

    public Termination {
        Objects.requireNonNull(process, "process");
        Objects.requireNonNull(cause, "cause");
        Objects.requireNonNull(at, "at");
        detail = detail == null ? "" : detail;
    }

    /** True for completion code 5 or a nonzero exit: the abend flag of the -101 message. */
    public boolean abended() {
        return completionCode == 5;
    }
}
