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
 * <p>Layout: a header (magic, sizes, commit and recovery counters, log length, the mutex, the
 * holder and last-recovery records of {@link Holders}, and the layout descriptor the segment was
 * created with), then the undo log, then the data. The creator (the process whose
 * {@code CREATE_NEW} succeeds) initialises the mutex and publishes the magic last; others wait
 * for it. The mutex belongs to the locking <em>thread</em>: unlock on the thread that locked.
 */
public final class SharedSegment implements AutoCloseable {
    static final long MAGIC = 0x4F50_5345_4731_0002L;   // "OPSEG1", version 2: holder records and a layout
    static final int OFF_MAGIC = 0;
    static final int OFF_DATA_BYTES = 8;
    static final int OFF_LOG_BYTES = 12;
    static final int OFF_COMMITS = 16;
    static final int OFF_RECOVERIES = 24;
    static final int OFF_LOG_LEN = 32;
    static final int OFF_LAYOUT_LEN = 40;
    static final int OFF_MUTEX = 64;
    static final int OFF_HOLDER = 128;
    static final int OFF_RECOVERY = 192;
    static final int OFF_LAYOUT = 320;
    /** Longest layout descriptor a segment records, in UTF-8 bytes. */
    public static final int MAX_LAYOUT_BYTES = 4096;
    static final int HEADER = OFF_LAYOUT + MAX_LAYOUT_BYTES;
    /** Largest data area. */
    public static final int MAX_DATA_BYTES = 64 << 20;
    private static final long OPEN_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

    static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    static final VarHandle INTS = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    final MappedByteBuffer map;
    final RobustMutexes mutexes;
    final long mutex;
    final int dataBytes;
    final int logBytes;
    final int dataStart;
    private final Path file;
    private final String layout;

    private SharedSegment(Path file, MappedByteBuffer map, int dataBytes, int logBytes, String layout) {
        this.file = file;
        this.layout = layout;
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
        return open(file, dataBytes, "");
    }

    /**
     * As {@link #open(Path, int)}, recording {@code layout} (a descriptor of what the data holds)
     * at creation, and refusing to map a segment created with another.
     *
     * @throws GuardianException 12 the segment exists with another layout or size (the message
     *                           names both); 2 the layout is longer than {@value #MAX_LAYOUT_BYTES}
     *                           bytes; and as {@link #open(Path, int)}
     */
    public static SharedSegment open(Path file, int dataBytes, String layout) {
        byte[] layoutBytes = layout.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (layoutBytes.length > MAX_LAYOUT_BYTES) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "a segment's layout descriptor is at most "
                    + MAX_LAYOUT_BYTES + " bytes: " + layoutBytes.length);
        }
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
                    awaitSize(c, file, total, layout);
                }
                MappedByteBuffer map = c.map(FileChannel.MapMode.READ_WRITE, 0, total);
                map.order(ByteOrder.nativeOrder());
                SharedSegment s = new SharedSegment(file, map, dataBytes, logBytes, layout);
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

    private static void awaitSize(FileChannel c, Path file, long total, String layout) throws IOException {
        long deadline = System.nanoTime() + OPEN_WAIT_NANOS;
        while (c.size() != total) {
            ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.nativeOrder());
            if (c.read(header, 0) == HEADER && header.getLong(OFF_MAGIC) == MAGIC) {
                // Initialised, and not of this size: no point waiting.
                String theirs = layoutOf(header);
                throw new GuardianException(GuardianError.IN_USE, "segment " + file + " holds "
                        + header.getInt(OFF_DATA_BYTES) + " bytes of data, not the size asked for"
                        + (theirs.equals(layout) ? "" : mismatch(theirs, layout)));
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
        byte[] l = layout.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        map.putInt(OFF_LAYOUT_LEN, l.length);
        map.put(OFF_LAYOUT, l);
        LONGS.setRelease(map, OFF_MAGIC, MAGIC);
    }

    /** The layout recorded in a segment's header; "" if it is missing or damaged. */
    private static String layoutOf(ByteBuffer header) {
        int len = header.getInt(OFF_LAYOUT_LEN);
        if (len <= 0 || len > MAX_LAYOUT_BYTES) {
            return "";
        }
        byte[] b = new byte[len];
        header.get(OFF_LAYOUT, b);
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String mismatch(String theirs, String ours) {
        return "; it was created with layout [" + theirs + "], this open asks for [" + ours + "]";
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
        String theirs = layoutOf(map);
        if (!theirs.equals(layout)) {
            throw new GuardianException(GuardianError.IN_USE, "segment " + file + " has another layout"
                    + mismatch(theirs, layout));
        }
        if (map.getInt(OFF_DATA_BYTES) != dataBytes) {
            throw new GuardianException(GuardianError.IN_USE, "segment " + file + " holds " + map.getInt(OFF_DATA_BYTES)
                    + " bytes of data, not " + dataBytes);
        }
    }

    /** The layout descriptor the segment was created with. */
    public String layout() {
        return layout;
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
                boolean undone = UndoLog.rollBack(this);
                LONGS.setRelease(map, OFF_RECOVERIES, recoveries() + 1);
                return new SegmentLock(this, true, undone);
            }
            default -> {
                // A live holder always empties the log before it unlocks; anything left is a dead one's.
                return new SegmentLock(this, false, UndoLog.rollBack(this));
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
