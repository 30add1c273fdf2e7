package org.openpair.guardian;

/**
 * The outcome of a checkpoint, in the spirit of CHECKPOINT's status: 0 the backup holds it,
 * 1 no backup that could take over holds it (the primary goes on alone).
 */
public enum CheckpointResult {
    /** The backup holds the checkpoint: after a takeover it will have been applied. */
    OK(0),
    /**
     * No backup that could take over holds it, and nothing waited for one: there is no backup
     * (nothing was sent), or the one being created is still being filled. That one cannot take
     * over before it is ready, and it is marked ready only once it holds this too. The primary
     * carries on alone.
     */
    NO_BACKUP(1);

    private final int status;

    CheckpointResult(int status) {
        this.status = status;
    }

    public int status() {
        return status;
    }
}
