package org.openpair.guardian;

/**
 * Why a process ended, each constant naming what produces it, and the completion code it
 * gives.
 */
public enum TerminationCause {
    /** A hosted program returned from {@code run}: completion code 0. */
    RETURNED(0),
    /** A hosted program let an exception escape {@code run} or called {@code abend}: 5. */
    ABENDED(5),
    /** An OS process exited by itself: 0 for exit status 0, 5 for any other status. */
    EXITED(0),
    /**
     * An OS process was killed by a signal, or a hosted process by a signal whose default action
     * ends it ({@link Guardian#kill}): 5, signal kept.
     */
    SIGNALLED(5),
    /** PROCESS_STOP_ by another process or the operator: 6, killer kept. */
    STOPPED(6),
    /** The CPU the process ran on failed or left the node: -4. */
    CPU_DOWN(-4),
    /**
     * OpenPair stopped a primary that may no longer act as one: its pair moved on to a higher
     * epoch (its checkpoint was refused), or its CPU lost the node's quorum: 6.
     */
    FENCED(6),
    /** The process's loop timer ran out and SIGTIMEOUT's default action ended it: a trap, -1. */
    LOOP_TIMEOUT(-1);

    private final int completionCode;

    TerminationCause(int completionCode) {
        this.completionCode = completionCode;
    }

    /** The completion code this cause gives; {@link #EXITED} gives 0 or 5 by exit status. */
    public int completionCode(int exitStatus) {
        return this == EXITED ? (exitStatus == 0 ? 0 : 5) : completionCode;
    }

    /** True when the process did not end of its own accord. */
    public boolean wasKilled() {
        return this == STOPPED || this == CPU_DOWN || this == SIGNALLED || this == FENCED || this == LOOP_TIMEOUT;
    }
}
