package org.openpair.emulator.os;

import java.nio.ByteBuffer;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.IgnoreError;

/**
 * Robust, process-shared pthread mutexes in memory that several processes map (glibc on Linux,
 * through jnr-ffi). When a holder dies, the kernel (robust futex list) marks the mutex and the
 * next {@code pthread_mutex_lock} returns EOWNERDEAD instead of blocking forever; unlocking
 * without {@code pthread_mutex_consistent} turns it ENOTRECOVERABLE. Results come back as
 * {@link Lock} values, never as raw errno numbers. Mutexes are addressed by their native
 * address, which {@link #address} gives for a mapped buffer.
 */
public final class RobustMutexes {
    /** sizeof(pthread_mutex_t) is 40 on x86-64 and 48 on arm64: callers reserve this much. */
    public static final int MUTEX_BYTES = 64;

    private static final int PTHREAD_PROCESS_SHARED = 1;
    private static final int PTHREAD_MUTEX_ROBUST = 1;
    private static final int EBUSY = 16;
    private static final int ETIMEDOUT = 110;
    private static final int EOWNERDEAD = 130;
    private static final int ENOTRECOVERABLE = 131;
    private static final int CLOCK_REALTIME = 0;

    /** What a lock attempt found. */
    public enum Lock {
        /** The caller holds the mutex. */
        ACQUIRED,
        /** The caller holds the mutex; its previous holder died holding it (EOWNERDEAD). */
        OWNER_DIED,
        /** A holder let go after EOWNERDEAD without marking it consistent: it can never be held again. */
        NOT_RECOVERABLE,
        /** Held by another (try) or not acquired in time (timed). */
        NOT_ACQUIRED
    }

    /** Who holds a robust mutex, as its lock word says; readable by any process without locking. */
    public enum Owner {
        /** Nobody. */
        NONE,
        /** A live thread. */
        LIVE,
        /** Its holder died holding it, and nobody has locked it since. */
        DIED
    }

    /** Offset of the lock word in a mutex: {@code __lock}, the first member of glibc's pthread_mutex_t. */
    public static final int LOCK_WORD_OFFSET = 0;
    // The kernel's robust-futex ABI (linux/futex.h): the word holds the owner's TID and these bits.
    private static final int FUTEX_OWNER_DIED = 0x40000000;
    private static final int FUTEX_TID_MASK = 0x3fffffff;

    /**
     * Decodes a robust mutex's lock word. When a holder's thread ends, the kernel walks its
     * robust list and sets the word to OWNER_DIED (plus the waiters bit) with no TID; the next
     * locker's pthread_mutex_lock replaces it with its own TID.
     */
    public static Owner owner(int lockWord) {
        if ((lockWord & FUTEX_OWNER_DIED) != 0 && (lockWord & FUTEX_TID_MASK) == 0) {
            return Owner.DIED;
        }
        return (lockWord & FUTEX_TID_MASK) != 0 ? Owner.LIVE : Owner.NONE;
    }

    /** The libc functions used; public only because jnr-ffi generates its implementation. */
    public interface LibC {
        int pthread_mutexattr_init(Pointer attr);

        int pthread_mutexattr_setpshared(Pointer attr, int pshared);

        int pthread_mutexattr_setrobust(Pointer attr, int robust);

        int pthread_mutexattr_destroy(Pointer attr);

        int pthread_mutex_init(long mutex, Pointer attr);

        @IgnoreError
        int pthread_mutex_lock(long mutex);

        @IgnoreError
        int pthread_mutex_trylock(long mutex);

        @IgnoreError
        int pthread_mutex_timedlock(long mutex, Pointer abstime);

        @IgnoreError
        int pthread_mutex_unlock(long mutex);

        @IgnoreError
        int pthread_mutex_consistent(long mutex);

        @IgnoreError
        int clock_gettime(int clock, Pointer timespec);
    }

    private static volatile RobustMutexes instance;

    private final LibC libc;
    private final Runtime runtime;

    private RobustMutexes(LibC libc) {
        this.libc = libc;
        this.runtime = Runtime.getRuntime(libc);
    }

    /** The shared instance; IllegalStateException if libc cannot be bound. */
    public static RobustMutexes get() {
        RobustMutexes m = instance;
        if (m == null) {
            synchronized (RobustMutexes.class) {
                m = instance;
                if (m == null) {
                    try {
                        instance = m = new RobustMutexes(LibraryLoader.create(LibC.class).load("c"));
                    } catch (RuntimeException | LinkageError e) {
                        throw new IllegalStateException("libc pthread functions are not available: " + e, e);
                    }
                }
            }
        }
        return m;
    }

    /** The native address of a direct (for example memory-mapped) buffer's first byte. */
    public long address(ByteBuffer direct) {
        if (!direct.isDirect()) {
            throw new IllegalArgumentException("not a direct buffer");
        }
        return Pointer.wrap(runtime, direct).address();
    }

    /** Initialises a robust, process-shared mutex at {@code mutex} ({@link #MUTEX_BYTES} reserved there). */
    public void init(long mutex) throws NativeException {
        Pointer attr = Memory.allocateDirect(runtime, 64, true);
        check(libc.pthread_mutexattr_init(attr), "pthread_mutexattr_init");
        try {
            check(libc.pthread_mutexattr_setpshared(attr, PTHREAD_PROCESS_SHARED), "pthread_mutexattr_setpshared");
            check(libc.pthread_mutexattr_setrobust(attr, PTHREAD_MUTEX_ROBUST), "pthread_mutexattr_setrobust");
            check(libc.pthread_mutex_init(mutex, attr), "pthread_mutex_init");
        } finally {
            libc.pthread_mutexattr_destroy(attr);
        }
    }

    /** Blocks until the caller holds the mutex (or it is not recoverable). */
    public Lock lock(long mutex) throws NativeException {
        return result(libc.pthread_mutex_lock(mutex), "pthread_mutex_lock");
    }

    /** Takes the mutex only if it is free now. */
    public Lock tryLock(long mutex) throws NativeException {
        return result(libc.pthread_mutex_trylock(mutex), "pthread_mutex_trylock");
    }

    /** Waits at most {@code nanos} for the mutex (measured on the realtime clock, as POSIX does). */
    public Lock lock(long mutex, long nanos) throws NativeException {
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
        return result(libc.pthread_mutex_timedlock(mutex, ts), "pthread_mutex_timedlock");
    }

    public void unlock(long mutex) throws NativeException {
        check(libc.pthread_mutex_unlock(mutex), "pthread_mutex_unlock");
    }

    /** pthread_mutex_consistent: the state the mutex protects is repaired. */
    public void consistent(long mutex) throws NativeException {
        check(libc.pthread_mutex_consistent(mutex), "pthread_mutex_consistent");
    }

    private static Lock result(int rc, String call) throws NativeException {
        return switch (rc) {
            case 0 -> Lock.ACQUIRED;
            case EOWNERDEAD -> Lock.OWNER_DIED;
            case ENOTRECOVERABLE -> Lock.NOT_RECOVERABLE;
            case EBUSY, ETIMEDOUT -> Lock.NOT_ACQUIRED;
            default -> throw new NativeException(NativeException.Kind.OTHER, rc, call + " failed: errno " + rc);
        };
    }

    private static void check(int rc, String call) throws NativeException {
        if (rc != 0) {
            throw new NativeException(rc == 1 ? NativeException.Kind.PERMISSION : NativeException.Kind.OTHER, rc,
                    call + " failed: errno " + rc);
        }
    }
}
