package org.openpair.emulator.link;

/**
 * The type byte of a frame (see the package documentation for what each carries). REQUEST,
 * REPLY and SYSTEM are reserved so that later traffic keeps the same codes; a receiver that
 * does not handle them yet treats them as out of turn.
 */
enum FrameType {
    HELLO(1), CHECKPOINT(2), ACK(3), NACK(4), REQUEST(5), REPLY(6), SYSTEM(7),
    /** The proof of the node key that follows a keyed HELLO, each way (see {@link LinkProof}). */
    PROOF(8);

    private static final FrameType[] BY_CODE = new FrameType[9];

    static {
        for (FrameType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    final byte code;

    FrameType(int code) {
        this.code = (byte) code;
    }

    /** The type with this code, or null for a code no version-1 peer sends. */
    static FrameType ofCode(byte code) {
        return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
