package org.openpair.guardian;

/**
 * The outcome of a checkpoint, in the spirit of CHECKPOINT's status: 0 the backup holds it,
 * 1 there is no backup (the primary goes on alone).
 */
public enum CheckpointResult {
    /** The backup holds the checkpoint: after a takeover it will have been applied. */
    OK(0),
    /** There is no backup; nothing was sent. The primary carries on alone. */
    NO_BACKUP(1);

    private final int status;

    CheckpointResult(int status) {
        this.status = status;
    }

    public int status() {
        return status;
    }
}
