package org.openpair.emulator.os;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.IgnoreError;

/**
 * The synchronisation primitives OpenPair is measured against ({@code guardian bench sem}):
 * a POSIX named semaphore, which stays taken when its holder dies, and a System V semaphore
 * with SEM_UNDO, whose count the kernel restores at the holder's exit. Benchmark use only.
 */
public final class SyncBaselines {
    private static final int O_CREAT = 0100;
    private static final int IPC_CREAT = 01000;
    private static final int IPC_PRIVATE = 0;
    private static final int IPC_RMID = 0;
    private static final int SETVAL = 16;
    private static final short SEM_UNDO = 0x1000;
    private static final int CLOCK_REALTIME = 0;

    /** The libc functions used; public only because jnr-ffi generates its implementation. */
    public interface LibC {
        Pointer sem_open(String name, int oflag, int mode, int value);

        @IgnoreError
        int sem_wait(Pointer sem);

        @IgnoreError
        int sem_post(Pointer sem);

        int sem_timedwait(Pointer sem, Pointer abstime);

        int sem_close(Pointer sem);

        int sem_unlink(String name);

        int semget(int key, int nsems, int flags);

        int semop(int id, Pointer sops, long nsops);

        int semctl(int id, int num, int cmd, int value);

        int clock_gettime(int clock, Pointer ts);
    }

    private static volatile SyncBaselines instance;
    private final LibC libc;
    private final Runtime runtime;

    private SyncBaselines(LibC libc) {
        this.libc = libc;
        this.runtime = Runtime.getRuntime(libc);
    }

    public static SyncBaselines get() {
        SyncBaselines s = instance;
        if (s == null) {
            synchronized (SyncBaselines.class) {
                s = instance;
                if (s == null) {
                    instance = s = new SyncBaselines(LibraryLoader.create(LibC.class).load("c"));
                }
            }
        }
        return s;
    }

    /** A POSIX named semaphore ({@code /name}), created with {@code value} if absent. */
    public final class NamedSemaphore {
        private final Pointer sem;

        NamedSemaphore(Pointer sem) {
            this.sem = sem;
        }

        public void acquire() {
            libc.sem_wait(sem);
        }

        public void release() {
            libc.sem_post(sem);
        }

        /** sem_timedwait: true if taken within {@code nanos}. */
        public boolean acquire(long nanos) {
            return libc.sem_timedwait(sem, deadline(nanos)) == 0;
        }

        public void close() {
            libc.sem_close(sem);
        }
    }

    public NamedSemaphore namedSemaphore(String name, int value) throws NativeException {
        Pointer p = libc.sem_open(name, O_CREAT, 0600, value);
        if (p == null || p.address() == 0 || p.address() == -1) {
            throw new NativeException(NativeException.Kind.OTHER, 0, "sem_open(" + name + ") failed");
        }
        return new NamedSemaphore(p);
    }

    public void unlinkNamedSemaphore(String name) {
        libc.sem_unlink(name);
    }

    /** One System V semaphore whose operations carry SEM_UNDO. */
    public final class UndoSemaphore {
        private final int id;
        private final Pointer take = sembuf((short) -1);
        private final Pointer give = sembuf((short) 1);

        UndoSemaphore(int id) {
            this.id = id;
        }

        public int id() {
            return id;
        }

        public void acquire() {
            libc.semop(id, take, 1);
        }

        public void release() {
            libc.semop(id, give, 1);
        }

        /** Removes the semaphore from the system. */
        public void remove() {
            libc.semctl(id, 0, IPC_RMID, 0);
        }

        private Pointer sembuf(short op) {
            Pointer p = Memory.allocateDirect(runtime, 6, true);
            p.putShort(0, (short) 0);
            p.putShort(2, op);
            p.putShort(4, SEM_UNDO);
            return p;
        }
    }

    /** A new private System V semaphore with value {@code value}. */
    public UndoSemaphore undoSemaphore(int value) throws NativeException {
        int id = libc.semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
        if (id < 0) {
            throw new NativeException(NativeException.Kind.OTHER, 0, "semget failed");
        }
        libc.semctl(id, 0, SETVAL, value);
        return new UndoSemaphore(id);
    }

    /** Opens an existing System V semaphore by id (another process's). */
    public UndoSemaphore undoSemaphore(int id, boolean existing) {
        return new UndoSemaphore(id);
    }

    private Pointer deadline(long nanos) {
        Pointer ts = Memory.allocateDirect(runtime, 16, true);
        libc.clock_gettime(CLOCK_REALTIME, ts);
        long sec = ts.getLong(0) + nanos / 1_000_000_000L;
        long nsec = ts.getLong(8) + nanos % 1_000_000_000L;
        if (nsec >= 1_000_000_000L) {
            sec++;
            nsec -= 1_000_000_000L;
        }
        ts.putLong(0, sec);
        ts.putLong(8, nsec);
        return ts;
    }
}
