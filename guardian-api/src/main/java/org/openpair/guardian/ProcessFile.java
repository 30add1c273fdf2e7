package org.openpair.guardian;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * An open of a named process (FILE_OPEN_ of {@code $NAME}): the requester's end of the
 * message system. Requests go to the pair's current primary with {@link #writeRead}; the
 * server reads them on its $RECEIVE ({@link Receive}) and replies.
 *
 * <p><b>Sync IDs and takeover.</b> The sync ID is 0 after the open and rises by one before
 * each request; a timeout does not change it (the timed-out request keeps its ID and its
 * outcome is unknown). When the primary dies with a request in flight:
 * <ul>
 *   <li>sync depth ≥ 1: the open re-resolves the name and resends the request, with the same
 *       sync ID, to the new primary, which answers a request it already executed from its
 *       checkpointed saved replies instead of running it twice. The caller sees nothing but
 *       the reply.</li>
 *   <li>sync depth 0: the request fails once with 201 (path down; it may or may not have been
 *       executed) and the next one goes to the new primary.</li>
 *   <li>no backup took over: 201, and again 201 for every later request while the name is
 *       free.</li>
 *   <li>the name now belongs to a process that is not of the opened pair: 60, for good.</li>
 * </ul>
 *
 * <p>Thread-safe: up to {@code max(1, syncDepth)} requests may be in flight on one open at
 * once (a further {@link #writeRead} caller waits for a slot, within its timeout; a further
 * {@link #writeReadNowait} fails with 28); the server keeps that many saved replies for it.
 */
public interface ProcessFile extends AutoCloseable {

    /** The largest request or reply, in bytes (error 22 beyond it). */
    int MAX_MESSAGE_BYTES = 256 * 1024;

    /** The name that was opened. */
    ProcessName name();

    /** The sync depth given at the open. */
    int syncDepth();

    /** The sync ID of the latest request (0 before the first). */
    long syncId();

    /** The process requests go to now: the primary this open is bound to. */
    ProcessHandle server();

    /**
     * WRITEREAD: sends {@code request} and waits for the reply.
     *
     * @param timeout how long to wait for the reply, resends after a takeover included
     * @throws GuardianException 22 request over {@link #MAX_MESSAGE_BYTES}; 16 the open is
     *                           closed; 40 no reply within the timeout (the sync ID stays
     *                           consumed); 201 the server died and no request was resent (see
     *                           the class notes); 60 the name now denotes another process; 2 the
     *                           server refused the sync ID as older than its saved replies;
     *                           74/44 the server cannot take more requests now; 210 the
     *                           server was fenced before it could reply (retry)
     */
    byte[] writeRead(byte[] request, Duration timeout);

    /**
     * WRITEREAD on a nowait open, with AWAITIO's answer in the returned future: sends
     * {@code request} and returns at once. The request has a sync ID, resends after a takeover
     * and the errors of {@link #writeRead}; the future completes with the reply or fails with
     * that {@link GuardianException}. Many requests in flight cost no thread each, which is how
     * one requester keeps many opens busy.
     *
     * <p>The future is completed on a thread of the message system: an action chained to it
     * without an executor runs there and must not block (chain a blocking one with an
     * {@code ...Async} method and an executor of the caller's). Sending the next request from
     * such an action is fine: it never waits. The timeout is kept within a few tens of
     * milliseconds. Cancelling the future stops the wait only: the request keeps its sync ID,
     * its outcome is unknown as after a timeout, and it holds its slot until its reply comes or
     * its timeout passes.
     *
     * @param timeout how long the reply may take, resends after a takeover included
     * @throws GuardianException thrown at once, nothing sent: 22 request over
     *                           {@link #MAX_MESSAGE_BYTES}; 16 the open is closed; 60 the name
     *                           now denotes another process; 28 {@code max(1, syncDepth)}
     *                           requests of this open are already in flight
     */
    CompletableFuture<byte[]> writeReadNowait(byte[] request, Duration timeout);

    /**
     * FILE_CLOSE_: the server forgets this opener's saved replies (and gets -104 if it asked
     * for open and close messages). Idempotent; a later {@link #writeRead} fails with 16.
     */
    @Override
    void close();
}
