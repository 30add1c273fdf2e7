package org.openpair.emulator.sharedmemory;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.openpair.emulator.os.NativeException;
import org.openpair.emulator.os.RobustMutexes;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * Memory shared by the OS processes of one machine: a file (normally in {@code /dev/shm})
 * that every process maps, holding a data area, a robust process-shared pthread mutex that
 * guards it, and an undo log. A holder records the old bytes of every range before it writes
 * it; a commit empties the log in one store. When a holder dies mid-update (even by
 * {@code kill -9}), the kernel hands the mutex to the next locker with EOWNERDEAD, and
 * {@link #lock()} first writes the logged old bytes back, so that holder finds the data as it
 * was after the last commit, never torn. It must then call {@link SegmentLock#markConsistent()}
 * before it unlocks, as with any robust mutex; if it does not, the segment is not recoverable
 * (error 4131) for every process.
 *
 * <p>Layout: a 128-byte header (magic, sizes, commit and recovery counters, log length), the
 * mutex inside it, then the undo log, then the data. The creator (the process whose
 * {@code CREATE_NEW} succeeds) initialises the mutex and publishes the magic last; others wait
 * for it. The mutex belongs to the locking <em>thread</em>: unlock on the thread that locked.
 */
public final class SharedSegment implements AutoCloseable {
    static final long MAGIC = 0x4F50_5345_4731_0001L;   // "OPSEG1", version 1
    static final int OFF_MAGIC = 0;
    static final int OFF_DATA_BYTES = 8;
    static final int OFF_LOG_BYTES = 12;
    static final int OFF_COMMITS = 16;
    static final int OFF_RECOVERIES = 24;
    static final int OFF_LOG_LEN = 32;
    static final int OFF_MUTEX = 64;
    static final int HEADER = 128;
    /** Largest data area. */
    public static final int MAX_DATA_BYTES = 64 << 20;
    private static final long OPEN_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

    static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    final MappedByteBuffer map;
    final RobustMutexes mutexes;
    final long mutex;
    final int dataBytes;
    final int logBytes;
    final int dataStart;
    private final Path file;

    private SharedSegment(Path file, MappedByteBuffer map, int dataBytes, int logBytes) {
        this.file = file;
        this.map = map;
        this.mutexes = RobustMutexes.get();
        this.mutex = mutexes.address(map) + OFF_MUTEX;
        this.dataBytes = dataBytes;
        this.logBytes = logBytes;
        this.dataStart = HEADER + logBytes;
    }

    /**
     * Creates the segment {@code file} with {@code dataBytes} bytes of zeroed data, or maps it if
     * another process created it with the same size.
     *
     * @throws GuardianException 2 dataBytes outside 8-{@value #MAX_DATA_BYTES} or not a multiple
     *                           of 8; 12 the file exists with another size, or is not a segment;
     *                           40 its creator did not finish initialising it within 5 s
     */
    public static SharedSegment open(Path file, int dataBytes) {
        if (dataBytes < 8 || dataBytes > MAX_DATA_BYTES || dataBytes % 8 != 0) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "a segment's data size must be a multiple of 8 "
                    + "from 8 to " + MAX_DATA_BYTES + ": " + dataBytes);
        }
        int logBytes = 2 * dataBytes + 4096;
        long total = (long) HEADER + logBytes + dataBytes;
        if (total > Integer.MAX_VALUE) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "segment too large: " + total + " bytes");
        }
        try {
            FileChannel ch;
            boolean creator;
            try {
                ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
                creator = true;
            } catch (FileAlreadyExistsException e) {
                ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
                creator = false;
            }
            try (FileChannel c = ch) {
                if (creator) {
                    c.write(ByteBuffer.wrap(new byte[1]), total - 1);
                } else {
                    awaitSize(c, file, total);
                }
                MappedByteBuffer map = c.map(FileChannel.MapMode.READ_WRITE, 0, total);
                map.order(ByteOrder.nativeOrder());
                SharedSegment s = new SharedSegment(file, map, dataBytes, logBytes);
                if (creator) {
                    s.initialise();
                } else {
                    s.awaitInitialised();
                }
                return s;
            }
        } catch (IOException e) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "cannot open segment " + file + ": " + e, e);
        }
    }

    private static void awaitSize(FileChannel c, Path file, long total) throws IOException {
        long deadline = System.nanoTime() + OPEN_WAIT_NANOS;
        while (c.size() != total) {
            ByteBuffer header = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
            if (c.read(header, 0) == 16 && header.getLong(OFF_MAGIC) == MAGIC) {
                // Initialised, and not of this size: no point waiting.
                throw new GuardianException(GuardianError.IN_USE, "segment " + file + " holds "
                        + header.getInt(OFF_DATA_BYTES) + " bytes of data, not the size asked for");
            }
            if (System.nanoTime() - deadline > 0) {
                throw new GuardianException(GuardianError.IN_USE, "segment " + file + " is " + c.size()
                        + " bytes, not the " + total + " a segment of this data size needs");
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    private void initialise() {
        try {
            mutexes.init(mutex);
        } catch (NativeException e) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "cannot initialise the mutex of " + file + ": "
                    + e.getMessage(), e);
        }
        map.putInt(OFF_DATA_BYTES, dataBytes);
        map.putInt(OFF_LOG_BYTES, logBytes);
        LONGS.setRelease(map, OFF_MAGIC, MAGIC);
    }

    private void awaitInitialised() {
        long deadline = System.nanoTime() + OPEN_WAIT_NANOS;
        while ((long) LONGS.getAcquire(map, OFF_MAGIC) != MAGIC) {
            if (System.nanoTime() - deadline > 0) {
                throw new GuardianException(GuardianError.TIMED_OUT, "segment " + file + " was not initialised within 5 s "
                        + "(its creator died first, or it is not a segment): remove it and try again");
            }
            LockSupport.parkNanos(1_000_000);
        }
        if (map.getInt(OFF_DATA_BYTES) != dataBytes) {
            throw new GuardianException(GuardianError.IN_USE, "segment " + file + " holds " + map.getInt(OFF_DATA_BYTES)
                    + " bytes of data, not " + dataBytes);
        }
    }

    /** Removes the segment's file; processes that mapped it keep their mapping. */
    public static void unlink(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "cannot remove segment " + file + ": " + e, e);
        }
    }

    public Path file() {
        return file;
    }

    /** Bytes of data. */
    public int size() {
        return dataBytes;
    }

    /** Commits made on this segment by every process. */
    public long commits() {
        return (long) LONGS.getAcquire(map, OFF_COMMITS);
    }

    /** Times a holder found its predecessor dead and rolled back its unfinished update. */
    public long recoveries() {
        return (long) LONGS.getAcquire(map, OFF_RECOVERIES);
    }

    /**
     * Blocks until the caller's thread holds the segment. If the previous holder died, its
     * unfinished update is already rolled back and {@link SegmentLock#ownerDied()} is true.
     *
     * @throws GuardianException 4131 the segment is not recoverable
     */
    public SegmentLock lock() {
        try {
            return locked(mutexes.lock(mutex));
        } catch (NativeException e) {
            throw failed("lock", e);
        }
    }

    /** As {@link #lock()}, waiting at most {@code timeout}; empty if the segment stayed held. */
    public Optional<SegmentLock> tryLock(Duration timeout) {
        try {
            RobustMutexes.Lock r = timeout.isZero() ? mutexes.tryLock(mutex) : mutexes.lock(mutex, timeout.toNanos());
            return r == RobustMutexes.Lock.NOT_ACQUIRED ? Optional.empty() : Optional.of(locked(r));
        } catch (NativeException e) {
            throw failed("lock", e);
        }
    }

    private SegmentLock locked(RobustMutexes.Lock r) {
        switch (r) {
            case NOT_RECOVERABLE -> throw new GuardianException(GuardianError.NOT_RECOVERABLE, "segment " + file
                    + " is not recoverable: a holder told its owner died unlocked without marking it consistent");
            case OWNER_DIED -> {
                UndoLog.rollBack(this);
                LONGS.setRelease(map, OFF_RECOVERIES, recoveries() + 1);
                return new SegmentLock(this, true);
            }
            default -> {
                // A live holder always empties the log before it unlocks; anything left is a dead one's.
                UndoLog.rollBack(this);
                return new SegmentLock(this, false);
            }
        }
    }

    GuardianException failed(String what, NativeException e) {
        return new GuardianException(GuardianError.INVALID_OPERATION, "cannot " + what + " segment " + file + ": "
                + e.getMessage() + (e.errno() == 1 ? " (not held by this thread)" : ""), e);
    }

    /** Unmaps nothing (Java unmaps when the buffer is collected); the file stays. */
    @Override
    public void close() {
        // The mapping is released with the buffer; the segment lives on in its file.
    }
}
