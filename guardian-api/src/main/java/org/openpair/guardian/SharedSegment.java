package org.openpair.guardian;

import java.time.Duration;
import java.util.Optional;

/**
 * Memory shared by the processes of one machine, in named typed fields, under a lock that
 * survives the death of its holder: the NonStop/SAFplus pattern of a robust process-shared
 * mutex guarding a shared struct, with an undo log so a holder killed mid-update never leaves
 * the struct torn. Opened with {@link ProcessContext#sharedSegment}; a hosted program and a
 * Java OS process of the same node on the same machine that open one name share one segment.
 *
 * <p>The segment is a file in {@code /dev/shm} that every opener maps; opening, locking and
 * reading cost no call to the CPU, so a segment serves even while its CPU is busy or gone.
 * It is per machine: processes on other machines with the same name have a segment of their
 * own (use a {@link RobustSemaphore} for node-wide state).
 *
 * <h2>Death of a holder</h2>
 * When the thread or process holding the lock ends without unlocking — an exception, a stop,
 * {@code kill -9} — the kernel hands the lock to the next locker with EOWNERDEAD. That locker
 * undoes the dead holder's uncommitted writes before {@link #lock()} returns, and its
 * {@link SegmentLock} says so ({@link SegmentLock#ownerDied()}, {@link SegmentLock#rolledBack()},
 * {@link SegmentLock#deadHolder()}); the segment records it ({@link #lastRecovery()}).
 *
 * <h2>Who holds it</h2>
 * {@link #holder()} reads the holder from the segment without taking the lock, as an operator
 * would look at a hung program: which process, which OS pid, since when, whether it is in the
 * middle of an update, and whether it died holding the lock.
 *
 * <p>A {@code SharedSegment} may be shared by the threads of a process; each thread that locks
 * gets a {@link SegmentLock} of its own, and the lock is not reentrant.
 */
public interface SharedSegment {

    /** The segment's name: 1-64 letters, digits, '.', '_' or '-'. */
    String name();

    /** The layout the segment was created with. */
    SegmentLayout layout();

    /**
     * Blocks until the calling thread holds the lock. If the previous holder died holding it,
     * its uncommitted writes are undone first and the result says so.
     *
     * @throws GuardianException 40 the thread was interrupted while waiting (a stop of the
     *                           process); 2 a native call failed
     */
    SegmentLock lock();

    /**
     * As {@link #lock()}, waiting at most {@code timeout} (zero: not at all); empty if the lock
     * stayed held by another.
     *
     * @throws GuardianException 2 a negative timeout; 40 interrupted
     */
    Optional<SegmentLock> tryLock(Duration timeout);

    /** Who holds the lock now, read without taking it; empty when nobody does. */
    Optional<SegmentHolder> holder();

    /** The last recovery from a holder that died holding the lock; empty if none ever did. */
    Optional<SegmentRecovery> lastRecovery();

    /** Commits made on the segment by every process since it was created. */
    long commits();

    /** Times a locker found its predecessor dead and recovered the segment. */
    long recoveries();

    /**
     * Removes the segment's name (shm_unlink): the next open creates a new, zeroed segment;
     * processes that have it open keep using the old one until they end.
     */
    void remove();
}
