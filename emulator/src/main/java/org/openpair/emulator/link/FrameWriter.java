package org.openpair.emulator.link;

import static org.openpair.emulator.link.FrameFormat.HEADER_BYTES;
import static org.openpair.emulator.link.FrameFormat.OVERHEAD;
import static org.openpair.emulator.link.FrameFormat.VERSION;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Queues the frames of one connection and writes them with as few syscalls as possible, from
 * the thread that queued them: frames are encoded into a direct buffer, and whichever thread
 * finds no write in progress takes the whole buffer and writes it (non-blocking), while frames
 * queued meanwhile collect in a second buffer for its next turn. A lone sender therefore writes
 * at once with no thread hop, concurrent senders share syscalls, and a socket that is full hands
 * the rest to the connection's I/O thread ({@link #drainFromIoThread()}) instead of blocking a
 * sender. Queuing and writing are separate calls so that a pipelining stream can queue without
 * writing and let the next ack's flush carry its checkpoints (see {@link CheckpointStream}).
 * Senders may wait for room only before they queue ({@link #awaitRoom}), never while holding
 * anything the I/O thread needs.
 */
final class FrameWriter {
    /** Outcome of {@link #awaitRoom}. */
    enum Room { YES, CLOSED, TIMED_OUT, INTERRUPTED }

    static final int DEFAULT_CAPACITY = 64 * 1024;
    /** A deadline that never passes. */
    static final long FOREVER = Long.MAX_VALUE;

    private final WritableByteChannel channel;
    private final int queueLimit;
    private final Runnable wakeIoThread;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition roomMade = lock.newCondition();
    /** Frames queued and not yet taken by a flusher; fill mode. Guarded by lock. */
    private ByteBuffer filling = ByteBuffer.allocateDirect(DEFAULT_CAPACITY);
    /** Frames a flusher took; read mode; only the thread that set {@link #flushing} touches it. */
    private ByteBuffer draining = ByteBuffer.allocateDirect(DEFAULT_CAPACITY).flip();
    /** A thread is writing; guarded by lock. */
    private boolean flushing;
    /** The socket was full: only the I/O thread writes until it has drained. Guarded by lock. */
    private volatile boolean congested;
    private volatile IOException failure;
    private boolean closed;

    /**
     * @param queueLimit   queued bytes over which {@link #awaitRoom} makes senders wait
     * @param wakeIoThread makes the I/O thread look at {@link #congested()} and {@link #failure()}
     */
    FrameWriter(WritableByteChannel channel, int queueLimit, Runnable wakeIoThread) {
        this.channel = channel;
        this.queueLimit = queueLimit;
        this.wakeIoThread = wakeIoThread;
    }

    /**
     * Waits until a frame of {@code frameBytes} fits under the queue limit (a frame always fits
     * into an empty queue), the writer closes, or the deadline ({@link System#nanoTime()};
     * {@link #FOREVER} for none) passes.
     */
    Room awaitRoom(int frameBytes, long deadlineNanos) {
        lock.lock();
        try {
            while (!closed && failure == null && filling.position() > 0
                    && filling.position() + frameBytes > queueLimit) {
                try {
                    if (deadlineNanos == FOREVER) {
                        roomMade.await();
                    } else {
                        long left = deadlineNanos - System.nanoTime();
                        if (left <= 0) {
                            return Room.TIMED_OUT;
                        }
                        roomMade.awaitNanos(left);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Room.INTERRUPTED;
                }
            }
            return closed || failure != null ? Room.CLOSED : Room.YES;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Queues one frame, copying the payload's remaining bytes (its position is left alone).
     * Never waits. Returns false if the writer is closed or failed and the frame will never go.
     */
    boolean append(FrameType type, long stream, long epoch, long seq, ByteBuffer payload) {
        int length = payload == null ? 0 : payload.remaining();
        lock.lock();
        try {
            if (closed || failure != null) {
                return false;
            }
            ByteBuffer out = room(OVERHEAD + length);
            out.putInt(HEADER_BYTES + length).put(VERSION).put(type.code)
                    .putLong(stream).putLong(epoch).putLong(seq);
            if (length > 0) {
                out.put(out.position(), payload, payload.position(), length);
                out.position(out.position() + length);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes what is queued unless another thread is already writing (it will take these frames
     * too) or the socket is congested (the I/O thread will). A write failure is recorded for the
     * I/O thread, which closes the connection; it is not thrown at the sender.
     */
    void flush() {
        lock.lock();
        try {
            if (flushing || congested || closed || failure != null || filling.position() == 0) {
                return;
            }
            flushing = true;
        } finally {
            lock.unlock();
        }
        drain();
    }

    /** Called by the I/O thread when the socket became writable again after congestion. */
    void drainFromIoThread() {
        lock.lock();
        try {
            if (!congested || flushing) {
                return;
            }
            congested = false;
            flushing = true;
        } finally {
            lock.unlock();
        }
        drain();
    }

    boolean congested() {
        return congested;
    }

    /** The write error that broke the connection, or null. */
    IOException failure() {
        return failure;
    }

    /** Refuses further frames and releases senders waiting for room. */
    void close() {
        lock.lock();
        try {
            closed = true;
            roomMade.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Writes until nothing is queued or the socket is full; the caller has set {@link #flushing}. */
    private void drain() {
        for (;;) {
            lock.lock();
            try {
                if (!draining.hasRemaining()) {
                    if (filling.position() == 0 || closed) {
                        flushing = false;
                        return;
                    }
                    ByteBuffer taken = filling;
                    filling = reusable(draining);
                    draining = taken.flip();
                    roomMade.signalAll();
                }
            } finally {
                lock.unlock();
            }
            try {
                while (draining.hasRemaining() && channel.write(draining) > 0) {
                    // a partial write is retried at once; 0 means the socket is full
                }
            } catch (IOException e) {
                stop(e);
                return;
            }
            if (draining.hasRemaining()) {
                lock.lock();
                try {
                    congested = true;
                    flushing = false;
                } finally {
                    lock.unlock();
                }
                wakeIoThread.run();
                return;
            }
        }
    }

    private void stop(IOException e) {
        lock.lock();
        try {
            failure = e;
            flushing = false;
            roomMade.signalAll();
        } finally {
            lock.unlock();
        }
        wakeIoThread.run();
    }

    /** A drained buffer to fill next; one grown for a large frame is not kept. */
    private static ByteBuffer reusable(ByteBuffer drained) {
        return drained.capacity() > 4 * DEFAULT_CAPACITY ? ByteBuffer.allocateDirect(DEFAULT_CAPACITY)
                : drained.clear();
    }

    /** The filling buffer with room for {@code bytes} more, grown if need be; lock held. */
    private ByteBuffer room(int bytes) {
        if (filling.remaining() < bytes) {
            int capacity = Math.max(filling.capacity() * 2, filling.position() + bytes);
            ByteBuffer bigger = ByteBuffer.allocateDirect(capacity);
            bigger.put(filling.flip());
            filling = bigger;
        }
        return filling;
    }
}
