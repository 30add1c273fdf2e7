package org.openpair.emulator.link;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The server's end of one connection: checks the client's HELLO (another node is refused with
 * a NACK and a close), answers with its own, then gives every checkpoint to the
 * {@link LinkHandler} on this connection's thread and sends the coalesced ACKs and the NACKs
 * from that same thread when the read's frames are done, so an ack costs no thread hop.
 * A handler that throws refuses that checkpoint and nothing more.
 */
final class ServerSession implements LinkConnection.Session {
    private static final System.Logger LOG = System.getLogger(ServerSession.class.getName());

    private final Hello own;
    private final LinkHandler handler;
    private final java.util.function.Supplier<RequestHandler> requests;
    private final LinkConnection connection;
    private final FrameWriter out;
    private final AckCoalescer acks = new AckCoalescer();
    private Hello peer;
    private boolean refused;
    private ReplyPath replyPath;

    ServerSession(Hello own, LinkHandler handler, java.util.function.Supplier<RequestHandler> requests,
                  LinkConnection connection) {
        this.own = own;
        this.handler = handler;
        this.requests = requests;
        this.connection = connection;
        this.out = connection.writer();
    }

    @Override
    public boolean established() {
        return peer != null;
    }

    @Override
    public void onFrame(FrameType type, long stream, long epoch, long seq, ByteBuffer payload) throws IOException {
        if (refused) {
            return;
        }
        if (peer == null) {
            hello(type, payload);
            return;
        }
        if (type == FrameType.REQUEST) {
            request(stream, seq, payload);
            return;
        }
        if (type != FrameType.CHECKPOINT) {
            throw new ProtocolException(type + " frame from a client (only CHECKPOINT and REQUEST are served)");
        }
        if (peer.cpu() == Hello.NOT_A_CPU) {
            throw new ProtocolException("CHECKPOINT frame from a requester that is not a CPU");
        }
        Verdict verdict = decide(stream, epoch, seq, payload);
        if (verdict == Verdict.ACCEPT) {
            acks.accepted(stream, epoch, seq, out);
        } else {
            acks.emit(stream, out);
            out.append(FrameType.NACK, stream, epoch, seq, ByteBuffer.wrap(new byte[] {verdict.code()}));
        }
    }

    @Override
    public void onBatchEnd() {
        acks.emitAll(out);
        out.flush();
    }

    @Override
    public void onClosed(LinkConnection.Closure closure, Throwable cause) {
        String who = peer == null ? connection.remote() : "cpu " + peer.cpu() + " (" + connection.remote() + ")";
        switch (closure) {
            case BAD_FRAME, TRUNCATED, STALLED, FAILED -> LOG.log(System.Logger.Level.ERROR,
                    "link server cpu {0}: closed the connection from {1}: {2}", own.cpu(), who,
                    cause == null ? closure : cause.getMessage());
            case BROKEN -> LOG.log(System.Logger.Level.INFO, "link server cpu {0}: connection from {1} broke: {2}",
                    own.cpu(), who, cause);
            case EOF -> LOG.log(System.Logger.Level.DEBUG, "link server cpu {0}: {1} closed its connection",
                    own.cpu(), who);
            case LOCAL -> { }
        }
    }

    private void hello(FrameType type, ByteBuffer payload) throws ProtocolException {
        if (type != FrameType.HELLO) {
            throw new ProtocolException(type + " frame before HELLO");
        }
        Hello hello = Hello.decode(payload);
        if (!hello.sameNode(own.nodeName())) {
            refused = true;
            LOG.log(System.Logger.Level.WARNING,
                    "link server cpu {0} of node {1}: refused cpu {2} of node {3} from {4}",
                    own.cpu(), own.nodeName(), hello.cpu(), hello.nodeName(), connection.remote());
            out.append(FrameType.NACK, 0, 0, 0, ByteBuffer.wrap(new byte[] {Verdict.WRONG_NODE.code()}));
            out.flush();
            connection.close();
            return;
        }
        peer = hello;
        out.append(FrameType.HELLO, 0, 0, 0, own.encode());
        LOG.log(System.Logger.Level.DEBUG, "link server cpu {0}: cpu {1} connected from {2}", own.cpu(),
                hello.cpu(), connection.remote());
    }

    /** Hands a request to the message system; a handler that fails is logged and the request dropped. */
    private void request(long openId, long syncId, ByteBuffer payload) throws ProtocolException {
        RequestHandler h = requests.get();
        if (h == null) {
            throw new ProtocolException("REQUEST frame to a CPU that serves no requests");
        }
        if (replyPath == null) {
            replyPath = new ReplyPath(connection, peer.cpu() == Hello.NOT_A_CPU ? "requester at " + connection.remote()
                    : "cpu " + peer.cpu() + " (" + connection.remote() + ")");
        }
        try {
            h.onRequest(openId, syncId, payload, replyPath);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "link server cpu " + own.cpu() + ": request handler failed on open "
                    + openId + " sync ID " + syncId, e);
        }
    }

    /** The handler's verdict; a handler that fails refuses this one checkpoint and is logged. */
    private Verdict decide(long stream, long epoch, long seq, ByteBuffer payload) {
        try {
            Verdict v = handler.onCheckpoint(stream, epoch, seq, payload);
            if (v == null) {
                LOG.log(System.Logger.Level.ERROR, "link server cpu {0}: handler returned null for stream {1} seq {2}",
                        own.cpu(), stream, seq);
                return Verdict.HANDLER_FAILED;
            }
            return v;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "link server cpu " + own.cpu() + ": handler failed on stream " + stream
                    + " epoch " + epoch + " seq " + seq, e);
            return Verdict.HANDLER_FAILED;
        }
    }
}
