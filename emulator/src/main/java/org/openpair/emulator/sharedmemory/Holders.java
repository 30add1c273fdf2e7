package org.openpair.emulator.sharedmemory;

import java.lang.invoke.VarHandle;
import java.time.Instant;
import java.util.Optional;

import org.openpair.emulator.os.RobustMutexes;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.SegmentHolder;
import org.openpair.guardian.SegmentRecovery;

/**
 * The "who holds it" records in a segment's header, read by any process without the lock. A
 * holder writes its record right after locking and clears it before unlocking, so a record is
 * never a former holder's; whether the holder lives is not taken from the record but from the
 * mutex's lock word, which the kernel marks when the holding thread ends. Records are written
 * only under the lock, so one writer at a time; readers use the sequence number as a seqlock
 * (odd while a write is under way) and retry a torn read.
 *
 * <p>Holder record, at {@code OFF_HOLDER}: seq, cpu&lt;&lt;32|pin (-1: not a Guardian process),
 * verifier, pid, since (epoch ms). Recovery record, at {@code OFF_RECOVERY}: seq, the dead
 * holder's cpu|pin, verifier, pid and since, the recoverer's cpu|pin, verifier and pid, when
 * (epoch ms), and whether anything was rolled back (1) or not (0).
 */
final class Holders {
    private static final long NOT_A_PROCESS = -1;
    private static final int READ_TRIES = 10_000;

    /** A holder as recorded: cpuPin -1 when not a process; pid 0 when no record. */
    record Who(long cpuPin, long verifier, long pid, long sinceMillis) {
        static final Who UNKNOWN = new Who(NOT_A_PROCESS, 0, 0, 0);

        static Who of(ProcessHandle self, long pid, long sinceMillis) {
            return new Who(self == null ? NOT_A_PROCESS : ((long) self.cpu() << 32) | self.pin(),
                    self == null ? 0 : self.verifier(), pid, sinceMillis);
        }

        ProcessHandle handle(String node) {
            return cpuPin < 0 ? null : new ProcessHandle(node, (int) (cpuPin >>> 32), (int) cpuPin, verifier);
        }

        SegmentHolder holder(String node, boolean died, boolean updating) {
            return new SegmentHolder(handle(node), pid, pid == 0 ? null : Instant.ofEpochMilli(sinceMillis), died, updating);
        }
    }

    private Holders() {
    }

    /** Records the caller as the holder; under the lock. */
    static void record(SharedSegment s, Who who) {
        write(s, SharedSegment.OFF_HOLDER, who.cpuPin, who.verifier, who.pid, who.sinceMillis);
    }

    /** Clears the holder record; under the lock, before unlocking. */
    static void clear(SharedSegment s) {
        write(s, SharedSegment.OFF_HOLDER, NOT_A_PROCESS, 0, 0, 0);
    }

    /** The holder record as it stands, read under the lock by a locker told its owner died. */
    static Who recorded(SharedSegment s) {
        long[] v = read(s, SharedSegment.OFF_HOLDER, 4);
        return v == null || v[2] == 0 ? Who.UNKNOWN : new Who(v[0], v[1], v[2], v[3]);
    }

    /** Records a recovery from {@code dead} by {@code by}; under the lock. */
    static void recordRecovery(SharedSegment s, Who dead, Who by, long atMillis, boolean rolledBack) {
        write(s, SharedSegment.OFF_RECOVERY, dead.cpuPin, dead.verifier, dead.pid, dead.sinceMillis, by.cpuPin,
                by.verifier, by.pid, atMillis, rolledBack ? 1 : 0);
    }

    static Optional<SegmentRecovery> lastRecovery(SharedSegment s, String node) {
        long[] v = read(s, SharedSegment.OFF_RECOVERY, 9);
        if (v == null || v[6] == 0) {
            return Optional.empty();
        }
        Who dead = new Who(v[0], v[1], v[2], v[3]);
        Who by = new Who(v[4], v[5], v[6], 0);
        return Optional.of(new SegmentRecovery(dead.holder(node, true, v[8] == 1), by.handle(node),
                Instant.ofEpochMilli(v[7]), v[8] == 1));
    }

    /** The holder now, without the lock; empty when nobody holds it. */
    static Optional<SegmentHolder> holder(SharedSegment s, String node) {
        for (int attempt = 1; ; attempt++) {
            RobustMutexes.Owner owner = owner(s);
            if (owner == RobustMutexes.Owner.NONE) {
                return Optional.empty();
            }
            long[] v = read(s, SharedSegment.OFF_HOLDER, 4);
            boolean updating = UndoLog.length(s) > 0;
            if (owner(s) != owner || (v == null || v[2] == 0) && owner == RobustMutexes.Owner.LIVE && attempt < READ_TRIES) {
                // Changed while read, or a holder between taking the mutex and recording itself: look again.
                Thread.onSpinWait();
                continue;
            }
            Who who = v == null || v[2] == 0 ? Who.UNKNOWN : new Who(v[0], v[1], v[2], v[3]);
            boolean died = owner == RobustMutexes.Owner.DIED || who.pid != 0 && !alive(who.pid);
            return Optional.of(who.holder(node, died, updating));
        }
    }

    static RobustMutexes.Owner owner(SharedSegment s) {
        return RobustMutexes.owner((int) SharedSegment.INTS.getAcquire(s.map,
                SharedSegment.OFF_MUTEX + RobustMutexes.LOCK_WORD_OFFSET));
    }

    private static boolean alive(long pid) {
        return java.lang.ProcessHandle.of(pid).map(java.lang.ProcessHandle::isAlive).orElse(false);
    }

    private static void write(SharedSegment s, int at, long... values) {
        long seq = (long) SharedSegment.LONGS.getAcquire(s.map, at);
        // Odd while writing; a writer that died mid-write left it odd, and this one moves past it.
        long writing = (seq & 1) == 0 ? seq + 1 : seq + 2;
        SharedSegment.LONGS.setRelease(s.map, at, writing);
        VarHandle.storeStoreFence();
        for (int i = 0; i < values.length; i++) {
            SharedSegment.LONGS.setRelease(s.map, at + 8 + 8 * i, values[i]);
        }
        VarHandle.storeStoreFence();
        SharedSegment.LONGS.setRelease(s.map, at, writing + 1);
    }

    /** {@code n} values after the sequence number at {@code at}; null if every try was torn. */
    private static long[] read(SharedSegment s, int at, int n) {
        long[] v = new long[n];
        for (int tries = 0; tries < READ_TRIES; tries++) {
            long before = (long) SharedSegment.LONGS.getAcquire(s.map, at);
            if ((before & 1) == 0) {
                for (int i = 0; i < n; i++) {
                    v[i] = (long) SharedSegment.LONGS.getAcquire(s.map, at + 8 + 8 * i);
                }
                VarHandle.loadLoadFence();
                if ((long) SharedSegment.LONGS.getAcquire(s.map, at) == before) {
                    return v;
                }
            }
            Thread.onSpinWait();
        }
        return null;
    }
}
