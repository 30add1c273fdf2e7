package org.openpair.emulator.link;

/**
 * The fixed layout of a version-1 frame, shared by {@link FrameReader} and {@link FrameWriter}
 * so that the two can never disagree on an offset.
 */
final class FrameFormat {
    static final byte VERSION = 1;
    /** The {@code int length} that starts every frame. */
    static final int LENGTH_BYTES = 4;
    /** version, type, stream, epoch, seq: what {@code length} counts before the payload. */
    static final int HEADER_BYTES = 1 + 1 + 8 + 8 + 8;
    /** Bytes a frame takes on the wire besides its payload. */
    static final int OVERHEAD = LENGTH_BYTES + HEADER_BYTES;
    static final int VERSION_OFFSET = LENGTH_BYTES;
    static final int TYPE_OFFSET = LENGTH_BYTES + 1;
    static final int STREAM_OFFSET = LENGTH_BYTES + 2;
    static final int EPOCH_OFFSET = STREAM_OFFSET + 8;
    static final int SEQ_OFFSET = EPOCH_OFFSET + 8;

    private FrameFormat() {
    }
}
