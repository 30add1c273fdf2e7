package org.openpair.emulator.link;

import java.nio.ByteBuffer;

/**
 * The fixed layout of a version-1 frame, shared by {@link FrameReader} and {@link FrameWriter}
 * so that the two can never disagree on an offset, and by the attach socket between a CPU and
 * its Java OS processes ({@code attach.AttachFrames}), so that the runtime has one frame format:
 * {@code int length}, then version, type, stream, epoch, seq and the payload (see the package
 * documentation). Each kind of connection has its own frame types.
 */
public final class FrameFormat {
    public static final byte VERSION = 1;
    /** The {@code int length} that starts every frame. */
    public static final int LENGTH_BYTES = 4;
    /** version, type, stream, epoch, seq: what {@code length} counts before the payload. */
    public static final int HEADER_BYTES = 1 + 1 + 8 + 8 + 8;
    /** Bytes a frame takes on the wire besides its payload. */
    static final int OVERHEAD = LENGTH_BYTES + HEADER_BYTES;
    static final int VERSION_OFFSET = LENGTH_BYTES;
    static final int TYPE_OFFSET = LENGTH_BYTES + 1;
    static final int STREAM_OFFSET = LENGTH_BYTES + 2;
    static final int EPOCH_OFFSET = STREAM_OFFSET + 8;
    static final int SEQ_OFFSET = EPOCH_OFFSET + 8;

    private FrameFormat() {
    }

    /** A frame's fixed fields, as read from a body that starts at its version byte. */
    public record Header(byte version, byte type, long stream, long epoch, long seq) {
    }

    /**
     * Reads the fixed fields at the start of {@code body} (the bytes {@code length} counts),
     * leaving it at the payload.
     *
     * @throws IllegalArgumentException if {@code body} is shorter than {@link #HEADER_BYTES}
     */
    public static Header header(ByteBuffer body) {
        if (body.remaining() < HEADER_BYTES) {
            throw new IllegalArgumentException("a frame body of " + body.remaining() + " bytes, fewer than the "
                    + HEADER_BYTES + "-byte header");
        }
        return new Header(body.get(), body.get(), body.getLong(), body.getLong(), body.getLong());
    }

    /** A whole frame, length first, in a heap buffer ready to write (for a blocking channel). */
    public static ByteBuffer encode(byte type, long stream, long epoch, long seq, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(LENGTH_BYTES + HEADER_BYTES + payload.length);
        b.putInt(HEADER_BYTES + payload.length).put(VERSION).put(type).putLong(stream).putLong(epoch).putLong(seq)
                .put(payload);
        return b.flip();
    }
}
