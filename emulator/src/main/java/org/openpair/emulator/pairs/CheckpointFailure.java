package org.openpair.emulator.pairs;

/**
 * Why a checkpoint did not reach the backup: the backup refused its epoch (the pair moved on:
 * the sender is no longer the primary), or the channel broke before the acknowledgement.
 */
public final class CheckpointFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind {
        /** The receiver refused the epoch or is no longer a backup: the sender must stop acting as primary. */
        STALE_EPOCH,
        /** The connection broke or the backup's CPU is gone: whether the backup holds it is unknown. */
        LINK_DOWN,
        /** The sending thread was interrupted (its process is being stopped): the backup is fine. */
        INTERRUPTED
    }

    private final Kind kind;

    public CheckpointFailure(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
