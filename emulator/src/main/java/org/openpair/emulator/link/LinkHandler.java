package org.openpair.emulator.link;

import java.nio.ByteBuffer;

/**
 * The receiving side of a {@link LinkServer}: the backup's CPU decides on every checkpoint
 * that arrives. The server calls it on the reader thread of the connection the checkpoint came
 * on, one checkpoint at a time and in seq order per stream; the ACK leaves only after it has
 * returned {@link Verdict#ACCEPT}, so an acknowledged checkpoint is one the backup holds.
 *
 * <p>Keep it short and never block on a link: the connection reads nothing else while it
 * runs. A handler that throws refuses the checkpoint with {@link Verdict#HANDLER_FAILED}
 * (logged); the connection and the server carry on.
 */
@FunctionalInterface
public interface LinkHandler {

    /**
     * Decides on one checkpoint.
     *
     * @param stream  the stream the sender opened
     * @param epoch   the sender's epoch; refuse with {@link Verdict#STALE_EPOCH} if it is older
     *                than the pair's current one
     * @param seq     the checkpoint's sequence number; consecutive on a stream unless a send
     *                was lost with a connection
     * @param payload the checkpoint, read-only, from its position to its limit; valid only
     *                during this call (copy what you keep)
     * @return {@link Verdict#ACCEPT} once the checkpoint is held, otherwise the reason of the
     *         refusal
     */
    Verdict onCheckpoint(long stream, long epoch, long seq, ByteBuffer payload);
}
