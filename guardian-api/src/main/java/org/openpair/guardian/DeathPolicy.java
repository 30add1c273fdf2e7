package org.openpair.guardian;

/**
 * What a {@link RobustSemaphore} does with the permits of a holder that dies, whatever the
 * death: an exit, an abend, a stop, {@code kill -9} of an OS process, or the loss of its whole
 * CPU. Chosen when the semaphore is created.
 */
public enum DeathPolicy {
    /**
     * The default: the dead holder's permits return to the semaphore at once, and the next
     * acquirer is told the owner died ({@link Acquisition#ownerDied()}).
     */
    RELEASE,
    /**
     * The SA Forum lock service's orphan: the permits stay held by the dead process, so nobody
     * can take them, until the operator purges them ({@code guardian sem purge},
     * {@link Guardian#semaphorePurge}); the acquirer after the purge is told the owner died.
     */
    ORPHAN,
    /**
     * The permits go to the dead process's pair partner, the backup that takes over from it, which
     * then holds them with the owner-died flag set ({@link RobustSemaphore#holding()}). A holder
     * without a live partner (unnamed, single, or whose backup died too) is treated as
     * {@link #RELEASE}.
     */
    HANDOVER
}
