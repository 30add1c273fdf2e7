package org.openpair.emulator.sharedmemory;

import org.openpair.emulator.os.NativeException;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * The caller's hold on a {@link SharedSegment}: reads and logged writes of the data, commit,
 * and unlock on {@link #close()}. Writes since the last {@link #commit()} are rolled back by a
 * close without commit, and by the next holder if this one dies. Not thread-safe: one thread
 * locks, uses and closes it.
 *
 * {@snippet :
 * try (SegmentLock l = segment.lock()) {
 *     if (l.ownerDied()) {
 *         l.markConsistent();          // the data is the last committed state already
 *     }
 *     long a = l.getLong(0), b = l.getLong(8);
 *     l.putLong(0, a - 10);
 *     l.putLong(8, b + 10);
 *     l.commit();
 * }
 * }
 */
public final class SegmentLock implements AutoCloseable {
    private final SharedSegment s;
    private final boolean ownerDied;
    private final boolean rolledBack;
    private boolean closed;

    SegmentLock(SharedSegment s, boolean ownerDied, boolean rolledBack) {
        this.s = s;
        this.ownerDied = ownerDied;
        this.rolledBack = rolledBack;
    }

    /**
     * EOWNERDEAD: the previous holder died holding the segment; its unfinished update has been
     * rolled back. Call {@link #markConsistent()} before closing, or the segment is lost.
     */
    public boolean ownerDied() {
        return ownerDied;
    }

    /** Writes left in the undo log by a dead holder were undone before this lock was returned. */
    public boolean rolledBack() {
        return rolledBack;
    }

    /** Whether {@link #close()} has run. */
    boolean closed() {
        return closed;
    }

    /** pthread_mutex_consistent. */
    public void markConsistent() {
        open();
        try {
            s.mutexes.consistent(s.mutex);
        } catch (NativeException e) {
            throw s.failed("mark consistent", e);
        }
    }

    public long getLong(int off) {
        check(off, 8);
        return s.map.getLong(s.dataStart + off);
    }

    public int getInt(int off) {
        check(off, 4);
        return s.map.getInt(s.dataStart + off);
    }

    public void putInt(int off, int value) {
        check(off, 4);
        UndoLog.record(s, off, 4);
        s.map.putInt(s.dataStart + off, value);
    }

    public byte[] get(int off, int len) {
        check(off, len);
        byte[] b = new byte[len];
        s.map.get(s.dataStart + off, b);
        return b;
    }

    public void putLong(int off, long value) {
        check(off, 8);
        UndoLog.record(s, off, 8);
        s.map.putLong(s.dataStart + off, value);
    }

    public void put(int off, byte[] bytes) {
        check(off, bytes.length);
        UndoLog.record(s, off, bytes.length);
        s.map.put(s.dataStart + off, bytes);
    }

    /** Makes every write since the last commit permanent. */
    public void commit() {
        open();
        UndoLog.commit(s);
    }

    /** Rolls back uncommitted writes and unlocks. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        UndoLog.rollBack(s);
        try {
            s.mutexes.unlock(s.mutex);
        } catch (NativeException e) {
            throw s.failed("unlock", e);
        }
    }

    private void check(int off, int len) {
        open();
        if (off < 0 || len < 0 || (long) off + len > s.dataBytes) {
            throw new GuardianException(GuardianError.BOUNDS, "bytes " + off + "-" + ((long) off + len) + " are outside "
                    + "the " + s.dataBytes + " data bytes of segment " + s.file());
        }
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("segment " + s.file() + " was unlocked");
        }
    }
}
