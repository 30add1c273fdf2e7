package org.openpair.emulator.attach;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The frames queued for one child, written in order by one task at a time on the server's pool.
 * Nothing else writes to the socket, so a child that stops reading blocks no thread of the
 * CPU's but that task: not the reader, not a link thread completing a checkpoint, not a stop.
 * Past {@link AttachSession#MAX_QUEUED_BYTES} the child is taken to have stopped reading.
 */
final class AttachOutbox {
    private static final System.Logger LOG = System.getLogger(AttachSession.class.getName());

    private final AttachChannel channel;
    private final Executor writers;
    private final ConcurrentLinkedQueue<ByteBuffer> frames = new ConcurrentLinkedQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean writing = new AtomicBoolean();
    /** When the write in progress started; 0 when none is. */
    private volatile long writingSince;
    private volatile boolean closed;

    AttachOutbox(AttachChannel channel, Executor writers) {
        this.channel = channel;
        this.writers = writers;
    }

    /** Queues a frame; the bytes now queued, which the caller holds against its limit. */
    long add(byte type, long id, byte[] payload) {
        if (closed) {
            return 0;
        }
        ByteBuffer frame = AttachFrames.encode(type, id, payload);
        long queued = queuedBytes.addAndGet(cost(frame));
        frames.add(frame);
        drain();
        return queued;
    }

    long queuedBytes() {
        return queuedBytes.get();
    }

    /** When the write in progress started, or 0. */
    long writingSince() {
        return writingSince;
    }

    /** Nothing more is written; what is queued is dropped as the writer meets it. */
    void close() {
        closed = true;
    }

    /** Waits (bounded) until what is queued has been written: the END answer before the close. */
    void awaitWritten(long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (queuedBytes.get() > 0 && !closed && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(100_000);
        }
    }

    /** What a queued frame holds in memory: its bytes and the buffer around them. */
    private static long cost(ByteBuffer frame) {
        return frame.remaining() + 64;
    }

    private void drain() {
        if (writing.compareAndSet(false, true)) {
            try {
                writers.execute(this::writeOut);
            } catch (RejectedExecutionException e) {
                writing.set(false);  // the CPU is shutting down: the connection closes with it
            }
        }
    }

    private void writeOut() {
        try {
            ByteBuffer f;
            while ((f = frames.poll()) != null) {
                long n = cost(f);
                writingSince = System.nanoTime();
                try {
                    if (!closed) {
                        AttachFrames.write(channel, f);
                    }
                } catch (IOException e) {
                    // The reader sees the same broken connection and reports it.
                    LOG.log(System.Logger.Level.DEBUG, "attach write failed: {0}", e.toString());
                } finally {
                    writingSince = 0;
                    queuedBytes.addAndGet(-n);
                }
            }
        } finally {
            writing.set(false);
        }
        if (!frames.isEmpty()) {
            drain();  // queued after the last poll
        }
    }
}
