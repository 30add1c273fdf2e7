package org.openpair.emulator.link;

import static org.openpair.emulator.link.FrameFormat.EPOCH_OFFSET;
import static org.openpair.emulator.link.FrameFormat.HEADER_BYTES;
import static org.openpair.emulator.link.FrameFormat.LENGTH_BYTES;
import static org.openpair.emulator.link.FrameFormat.OVERHEAD;
import static org.openpair.emulator.link.FrameFormat.SEQ_OFFSET;
import static org.openpair.emulator.link.FrameFormat.STREAM_OFFSET;
import static org.openpair.emulator.link.FrameFormat.TYPE_OFFSET;
import static org.openpair.emulator.link.FrameFormat.VERSION;
import static org.openpair.emulator.link.FrameFormat.VERSION_OFFSET;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * Cuts the bytes of one connection into frames and hands each complete one to a {@link Sink},
 * checking length, version and type before anything is trusted. Payloads are handed over as a
 * view of the read buffer, so a checkpoint is copied once (by the handler that keeps it); the
 * buffer grows only for a frame larger than itself and shrinks back once that frame is gone.
 */
final class FrameReader {
    /** Where a reader delivers frames; the payload view is valid only during the call. */
    interface Sink {
        void onFrame(FrameType type, long stream, long epoch, long seq, ByteBuffer payload) throws IOException;
    }

    static final int DEFAULT_CAPACITY = 64 * 1024;

    private final int maxPayload;
    /** In fill mode between calls: bytes [0, position) are read but not yet dispatched. */
    private ByteBuffer buf;
    private ByteBuffer view;

    FrameReader(int maxPayload) {
        this.maxPayload = maxPayload;
        replaceBuffer(DEFAULT_CAPACITY);
    }

    /** Reads what the channel has into the free space: bytes read, 0 if none, -1 at end of stream. */
    int readFrom(ReadableByteChannel channel) throws IOException {
        return channel.read(buf);
    }

    /** Whether the last read filled the buffer, so that more may be waiting in the socket. */
    boolean full() {
        return !buf.hasRemaining();
    }

    /** Bytes of a frame that has begun but not completed. */
    int partialBytes() {
        return buf.position();
    }

    /** Hands every complete frame read so far to the sink, in order; keeps the partial rest. */
    void dispatch(Sink sink) throws IOException {
        int needed = 0;
        buf.flip();
        try {
            while (buf.remaining() >= LENGTH_BYTES) {
                int start = buf.position();
                int length = buf.getInt(start);
                if (length < HEADER_BYTES || length - HEADER_BYTES > maxPayload) {
                    throw new ProtocolException("frame length " + length
                            + " is outside " + HEADER_BYTES + ".." + (HEADER_BYTES + maxPayload)
                            + " (a " + maxPayload + "-byte payload limit)");
                }
                FrameType type = null;
                if (buf.remaining() > TYPE_OFFSET) {
                    byte version = buf.get(start + VERSION_OFFSET);
                    if (version != VERSION) {
                        throw new ProtocolException("frame version " + version + ", expected " + VERSION);
                    }
                    type = FrameType.ofCode(buf.get(start + TYPE_OFFSET));
                    if (type == null) {
                        throw new ProtocolException("unknown frame type " + buf.get(start + TYPE_OFFSET));
                    }
                }
                int frameBytes = LENGTH_BYTES + length;
                if (buf.remaining() < frameBytes) {
                    needed = frameBytes;
                    break;
                }
                long stream = buf.getLong(start + STREAM_OFFSET);
                long epoch = buf.getLong(start + EPOCH_OFFSET);
                long seq = buf.getLong(start + SEQ_OFFSET);
                view.limit(start + frameBytes);
                view.position(start + OVERHEAD);
                buf.position(start + frameBytes);
                sink.onFrame(type, stream, epoch, seq, view);
            }
        } finally {
            buf.compact();
        }
        if (needed > buf.capacity()) {
            replaceBuffer(needed);
        } else if (buf.position() == 0 && buf.capacity() > DEFAULT_CAPACITY) {
            replaceBuffer(DEFAULT_CAPACITY);
        }
    }

    private void replaceBuffer(int capacity) {
        ByteBuffer bigger = ByteBuffer.allocateDirect(capacity);
        if (buf != null) {
            bigger.put(buf.flip());
        }
        buf = bigger;
        view = buf.asReadOnlyBuffer();
    }
}
