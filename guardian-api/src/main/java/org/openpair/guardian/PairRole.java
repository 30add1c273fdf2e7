package org.openpair.guardian;

/** A process's role in its pair. */
public enum PairRole {
    /** Does the work; its checkpoints go to the backup. */
    PRIMARY,
    /** Shadows the primary: applies its checkpoints and takes over when it dies. */
    BACKUP,
    /** Named or unnamed, without a partner (a named process without backup is a primary too). */
    SINGLE
}
