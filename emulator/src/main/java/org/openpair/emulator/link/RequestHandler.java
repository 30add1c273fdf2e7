package org.openpair.emulator.link;

import java.nio.ByteBuffer;

/**
 * The receiving side of requests on a {@link LinkServer}: the server CPU's message system.
 * Called on the reader thread of the connection the REQUEST came on, in arrival order; it
 * must not block (queue the request and return). The answer goes back, now or later and from
 * any thread, through the {@link ReplyPath}.
 */
@FunctionalInterface
public interface RequestHandler {

    /**
     * @param openId  the requester's open
     * @param syncId  the request's sync ID on that open
     * @param payload the request, read-only, valid only during this call (copy what you keep)
     * @param path    where the reply goes: the connection the request came on
     */
    void onRequest(long openId, long syncId, ByteBuffer payload, ReplyPath path);
}
