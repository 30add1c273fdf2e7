package org.openpair.emulator.messages;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.openpair.emulator.link.ReplyPath;

/**
 * The ways back a request's answer takes: the path it arrived on and every path a resend of it
 * arrived on while it was being answered. A resend can arrive on the link's reader while the
 * answer leaves on another thread; it must get the answer either way, so adding a path and
 * giving the answer are decided under one lock: a path added before the answer is sent the
 * answer with the others, one added after is told the answer to send itself.
 */
final class ReplyPaths {
    private final List<ReplyPath> paths = new ArrayList<>(1);
    /** The answer once given; the paths added later get it from {@link #add}. Guarded by this. */
    private ByteBuffer answer;

    ReplyPaths(ReplyPath first) {
        paths.add(first);
    }

    /**
     * Adds the path a resend arrived on.
     *
     * @return null if the answer, when given, goes this way too; the answer (a view of its own)
     *         if it was given already, for the caller to send on this path
     */
    synchronized ByteBuffer add(ReplyPath path) {
        if (answer != null) {
            return answer.duplicate();
        }
        if (!paths.contains(path)) {
            paths.add(path);
        }
        return null;
    }

    /**
     * Gives the answer; the first one given is the answer (a server that ends while a reply
     * waits for its checkpoint answers 201 and the reply may come too: the requester takes
     * whichever came first, so only the first goes out). Later resends get it from {@link #add}.
     *
     * @return the paths to send it on now; none if an answer was given already
     */
    synchronized List<ReplyPath> answer(ByteBuffer payload) {
        if (answer != null) {
            return List.of();
        }
        answer = payload.asReadOnlyBuffer();
        return List.copyOf(paths);
    }
}
