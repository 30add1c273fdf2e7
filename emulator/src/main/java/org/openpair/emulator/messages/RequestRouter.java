package org.openpair.emulator.messages;

import java.nio.ByteBuffer;
import org.openpair.emulator.link.ReplyPath;
import org.openpair.emulator.link.RequestHandler;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * A CPU's message system entry: every REQUEST frame that reaches this CPU's link server is
 * decoded and handed to the $RECEIVE of the process it is addressed to (by PIN and verifier,
 * so a request for a process that ended never reaches a newer one with the same PIN). A
 * malformed request is answered with 2, one for a process that is not here with 201; neither
 * touches any process.
 */
public final class RequestRouter implements RequestHandler {
    private static final System.Logger LOG = System.getLogger(RequestRouter.class.getName());

    private final String nodeName;
    private final Receivers receivers;

    /** @param receivers the $RECEIVE of every live named process of this CPU */
    public RequestRouter(String nodeName, Receivers receivers) {
        this.nodeName = nodeName;
        this.receivers = receivers;
    }

    @Override
    public void onRequest(long openId, long syncId, ByteBuffer payload, ReplyPath path) {
        int dataBytes = payload.remaining() - MessageFormat.REQUEST_HEADER;
        if (dataBytes > org.openpair.guardian.ProcessFile.MAX_MESSAGE_BYTES) {
            // Refused before anything is copied: the link reader thread serves every other request too.
            path.reply(openId, syncId, 0, MessageFormat.error(GuardianError.BOUNDS, "request of " + dataBytes
                    + " bytes exceeds the limit of " + org.openpair.guardian.ProcessFile.MAX_MESSAGE_BYTES));
            return;
        }
        MessageFormat.Request r;
        try {
            r = MessageFormat.decodeRequest(payload, nodeName);
        } catch (GuardianException e) {
            LOG.log(System.Logger.Level.WARNING, "request from {0} refused: {1}", path, e.getMessage());
            path.reply(openId, syncId, 0, MessageFormat.error(e.guardianError(), e.getMessage()));
            return;
        }
        ReceiveQueue receive = receivers.find(r.pin(), r.verifier());
        if (receive == null) {
            path.reply(openId, syncId, 0, MessageFormat.error(GuardianError.PATH_DOWN, "no process with PIN " + r.pin()
                    + " and verifier " + r.verifier() + " runs on this CPU"));
            return;
        }
        receive.arrive(r, openId, syncId, path);
    }
}
