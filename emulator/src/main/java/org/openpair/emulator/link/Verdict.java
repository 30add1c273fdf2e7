package org.openpair.emulator.link;

/**
 * What the receiving side made of a checkpoint: {@link #ACCEPT}, or the reason it refused it.
 * A {@link LinkHandler} returns one for every checkpoint; a refusal travels back in a NACK and
 * fails that send with {@link LinkException.Kind#REFUSED}, {@link LinkException#reason()}
 * being this constant.
 */
public enum Verdict {
    /** The backup holds the checkpoint; it will be acknowledged. */
    ACCEPT(0),
    /** Returned by a handler when the checkpoint's epoch is older than the pair's: it comes
     *  from a primary that has been taken over and must be fenced off (DESIGN.md contract 5). */
    STALE_EPOCH(1),
    /** Returned by a handler that has no backup for this stream. */
    UNKNOWN_STREAM(2),
    /** Returned by a handler when the seq is not the one after the last it accepted. */
    GAP(3),
    /** Produced by the link itself: the client's HELLO named another node. */
    WRONG_NODE(4),
    /** Produced by the link itself: the handler threw or returned null (the error is logged). */
    HANDLER_FAILED(5),
    /** Produced by the link itself: the peer does not hold this node's key (none, or another). */
    KEY_MISMATCH(6);

    private final byte code;

    Verdict(int code) {
        this.code = (byte) code;
    }

    byte code() {
        return code;
    }

    /** The refusal with this NACK code, or null if no version-1 peer sends it. */
    static Verdict ofCode(byte code) {
        for (Verdict v : values()) {
            if (v.code == code && v != ACCEPT) {
                return v;
            }
        }
        return null;
    }
}
