package org.openpair.guardian;

/**
 * The result of PROCESS_GETPAIRINFO_: what a name or handle denotes, seen from the caller.
 * {@link #code()} is the number the Guardian procedure returns.
 */
public enum PairStatus {
    /** A named process with a backup, of which the caller is not a member. */
    PAIR(0),
    /** A named process without a backup. */
    SINGLE(4),
    /** The caller is the primary of the pair. */
    CALLER_IS_PRIMARY(5),
    /** The caller is the backup of the pair. */
    CALLER_IS_BACKUP(6),
    /** An unnamed process: it cannot have a backup. */
    UNNAMED(7),
    /** No such process or name. */
    NO_SUCH_PROCESS(9),
    /**
     * The name is reserved but its process has not started. OpenPair claims a name only after
     * the process is published, so this result is never returned; it is listed for porters.
     */
    NOT_STARTED(13);

    private final int code;

    PairStatus(int code) {
        this.code = code;
    }

    /** The PROCESS_GETPAIRINFO_ result number. */
    public int code() {
        return code;
    }
}
