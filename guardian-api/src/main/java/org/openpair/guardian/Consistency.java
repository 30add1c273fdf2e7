package org.openpair.guardian;

/**
 * Whether the state a {@link RobustSemaphore} protects is known to be consistent: the
 * counterpart of a robust mutex's normal, EOWNERDEAD and ENOTRECOVERABLE states.
 */
public enum Consistency {
    /** No holder died since the last {@link RobustSemaphore#markConsistent()} (or ever). */
    CONSISTENT,
    /**
     * A holder died holding permits; every acquirer is told so until one of them calls
     * {@link RobustSemaphore#markConsistent()}.
     */
    OWNER_DIED,
    /**
     * A holder that was told the owner died let go of all its permits without marking the state
     * consistent: every later acquire, release, commit and mark fails with error
     * {@link GuardianError#NOT_RECOVERABLE}, for every process.
     */
    NOT_RECOVERABLE
}
