package org.openpair.guardian;

import java.util.Optional;

/**
 * The caller's hold on a {@link SharedSegment}: typed reads and writes of its fields by name,
 * {@link #commit()}, and unlock on {@link #close()}. Every write is logged before it is made;
 * writes since the last commit are undone by a close without commit, and, if the holder dies
 * (even by {@code kill -9}), by the next process to lock, which is told so here.
 *
 * <p>The lock belongs to the thread that took it: use and close it on that thread (a robust
 * pthread mutex belongs to a thread, and the kernel reports the death of that thread). Not
 * thread-safe.
 *
 * {@snippet :
 * try (SegmentLock lock = segment.lock()) {
 *     if (lock.ownerDied()) {
 *         // The data is the last committed state again; nothing in the segment to repair.
 *         log("previous holder " + lock.deadHolder() + " died; rolled back: " + lock.rolledBack());
 *     }
 *     long a = lock.getLong("a"), b = lock.getLong("b");
 *     lock.putLong("a", a - 10);
 *     lock.putLong("b", b + 10);
 *     lock.commit();
 * }
 * }
 *
 * <h2>Errors of the field calls</h2>
 * 11 the layout has no field of that name; 2 the field has another type (an {@code int32} read
 * with {@link #getLong}); 22 bytes or text longer than the field. Nothing is written then.
 * A field call or {@link #commit()} after {@link #close()}, or any call from a thread other than
 * the one that locked, is an {@link IllegalStateException}.
 */
public interface SegmentLock extends AutoCloseable {

    /**
     * EOWNERDEAD: the previous holder died holding the lock. Before this lock was returned its
     * uncommitted writes were undone ({@link #rolledBack()}) and the segment was marked
     * consistent, as every byte the lock guards is in the segment and is back to the last
     * committed state. What a program must still look at is anything the dead holder did
     * outside the segment.
     */
    boolean ownerDied();

    /** The dead holder had uncommitted writes, and they were undone before this lock was returned. */
    boolean rolledBack();

    /** The holder that died, as it had recorded itself; empty unless {@link #ownerDied()}. */
    Optional<SegmentHolder> deadHolder();

    /** The {@code int32} field {@code field}. */
    int getInt(String field);

    /** The {@code int64} field {@code field}. */
    long getLong(String field);

    /** A copy of the {@code bytes} field {@code field}, all of its length. */
    byte[] getBytes(String field);

    /** The {@code string} field {@code field} ("" if never written). */
    String getString(String field);

    void putInt(String field, int value);

    void putLong(String field, long value);

    /** Writes {@code value} at the start of the {@code bytes} field and zeros after it. */
    void putBytes(String field, byte[] value);

    /** Writes the {@code string} field; 22 if its UTF-8 form is longer than the field. */
    void putString(String field, String value);

    /** Makes every write since the last commit permanent, in one store: a death after it undoes none. */
    void commit();

    /** Undoes the writes since the last commit and unlocks; a second close does nothing. */
    @Override
    void close();
}
