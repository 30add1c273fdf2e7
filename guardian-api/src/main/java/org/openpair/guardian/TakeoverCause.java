package org.openpair.guardian;

/**
 * Why a backup became primary, as CHECKMONITOR reports it, each constant naming what
 * produces it. {@link #reason()} is CHECKMONITOR's number.
 */
public enum TakeoverCause {
    /** The primary stopped: it returned, exited 0, stopped itself or was stopped (completion 0 or 6). */
    PRIMARY_STOPPED(0),
    /** The primary abended: an exception, abend(), a non-zero exit or a signal (completion 5, -1). */
    PRIMARY_ABENDED(1),
    /** The primary's CPU failed, or was declared dead by the heartbeat (completion -4). */
    CPU_FAILED(2),
    /** A deliberate switch (CHECKSWITCH, {@code guardian switch}): the old primary is now the backup. */
    SWITCH(3),
    /** The primary's loop timer ran out and SIGTIMEOUT ended it (completion -1); CHECKMONITOR says abended (1). */
    PRIMARY_LOOP_TIMEOUT(1);

    private final int reason;

    TakeoverCause(int reason) {
        this.reason = reason;
    }

    public int reason() {
        return reason;
    }

    /** The cause for a primary that ended as {@code t} says. */
    public static TakeoverCause of(Termination t) {
        return switch (t.cause()) {
            case CPU_DOWN -> CPU_FAILED;
            case RETURNED, STOPPED, FENCED -> PRIMARY_STOPPED;
            case EXITED -> t.completionCode() == 0 ? PRIMARY_STOPPED : PRIMARY_ABENDED;
            case ABENDED, SIGNALLED -> PRIMARY_ABENDED;
            case LOOP_TIMEOUT -> PRIMARY_LOOP_TIMEOUT;
        };
    }
}
