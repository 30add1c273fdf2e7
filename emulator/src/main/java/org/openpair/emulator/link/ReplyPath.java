package org.openpair.emulator.link;

import java.nio.ByteBuffer;

/**
 * The way back to a requester: the server end of the connection a REQUEST arrived on. Safe to
 * use from any thread; a reply to a requester whose connection is gone is dropped (it resends
 * on a new connection if it still wants the answer).
 */
public final class ReplyPath {
    private final LinkConnection connection;
    private final String requester;

    ReplyPath(LinkConnection connection, String requester) {
        this.connection = connection;
        this.requester = requester;
    }

    /**
     * Sends a REPLY frame.
     *
     * @param epoch the replying process's epoch; the requester drops a reply older than the
     *              pair it is bound to
     * @return false if the connection is closed
     */
    public boolean reply(long openId, long syncId, long epoch, ByteBuffer payload) {
        FrameWriter out = connection.writer();
        if (!out.append(FrameType.REPLY, openId, epoch, syncId, payload)) {
            return false;
        }
        // On a link thread that is delivering an ACK for many requests, their replies share one write.
        DeliveryBatch.flushOrDefer(out);
        return true;
    }

    /** Who is at the other end, for logs. */
    @Override
    public String toString() {
        return requester;
    }
}
