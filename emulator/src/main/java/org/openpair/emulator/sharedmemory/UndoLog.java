package org.openpair.emulator.sharedmemory;

import java.lang.invoke.VarHandle;

/**
 * The segment's undo log: records of (offset, length, old bytes), appended before each write
 * of the data. The log length is published with a release store and fenced before the data
 * write, so a holder killed at any instruction leaves either a record that covers its write or
 * no write at all. Roll-back writes the old bytes back newest first, and only then empties the
 * log: a holder killed while rolling back leaves the log for the next one to roll back again.
 */
final class UndoLog {
    private UndoLog() {
    }

    static long length(SharedSegment s) {
        return (long) SharedSegment.LONGS.getAcquire(s.map, SharedSegment.OFF_LOG_LEN);
    }

    /** Records the current bytes of data[off, off+len) before they are overwritten. */
    static void record(SharedSegment s, int off, int len) {
        long used = length(s);
        int need = 8 + ((len + 7) & ~7);
        if (used + need > s.logBytes) {
            throw new org.openpair.guardian.GuardianException(org.openpair.guardian.GuardianError.BOUNDS,
                    "update too large for the undo log of segment " + s.file() + " (" + s.logBytes
                            + " bytes): commit more often");
        }
        int at = SharedSegment.HEADER + (int) used;
        s.map.putInt(at, off);
        s.map.putInt(at + 4, len);
        for (int i = 0; i < len; i++) {
            s.map.put(at + 8 + i, s.map.get(s.dataStart + off + i));
        }
        SharedSegment.LONGS.setRelease(s.map, SharedSegment.OFF_LOG_LEN, used + need);
        VarHandle.storeStoreFence();
    }

    /** Marks the current update done: one store. */
    static void commit(SharedSegment s) {
        VarHandle.storeStoreFence();
        SharedSegment.LONGS.setRelease(s.map, SharedSegment.OFF_LOG_LEN, 0L);
        SharedSegment.LONGS.setRelease(s.map, SharedSegment.OFF_COMMITS, s.commits() + 1);
    }

    /** Writes back every logged old value, newest first; true if there was anything. */
    static boolean rollBack(SharedSegment s) {
        long used = length(s);
        if (used == 0) {
            return false;
        }
        int[] starts = new int[(int) (used / 8) + 1];
        int n = 0;
        for (int pos = 0; pos < used; ) {
            starts[n++] = pos;
            int len = s.map.getInt(SharedSegment.HEADER + pos + 4);
            pos += 8 + ((len + 7) & ~7);
        }
        for (int k = n - 1; k >= 0; k--) {
            int at = SharedSegment.HEADER + starts[k];
            int off = s.map.getInt(at);
            int len = s.map.getInt(at + 4);
            for (int i = 0; i < len; i++) {
                s.map.put(s.dataStart + off + i, s.map.get(at + 8 + i));
            }
        }
        VarHandle.storeStoreFence();
        SharedSegment.LONGS.setRelease(s.map, SharedSegment.OFF_LOG_LEN, 0L);
        return true;
    }
}
