package org.openpair.emulator.link;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.openpair.emulator.security.NodeKey;

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
    /** The node key the client must prove it holds; null: the node runs without one. */
    private final NodeKey key;
    private final LinkProof.MismatchLog mismatches;
    private final LinkHandler handler;
    private final java.util.function.Supplier<RequestHandler> requests;
    private final LinkConnection connection;
    private final FrameWriter out;
    private final AckCoalescer acks = new AckCoalescer();
    private Hello peer;
    /** A keyed client's HELLO, until its proof has been checked. */
    private Hello unproven;
    /** The HELLO this side sent, with the nonce the client's proof must cover. */
    private Hello sent;
    private boolean refused;
    private ReplyPath replyPath;

    ServerSession(Hello own, NodeKey key, LinkProof.MismatchLog mismatches, LinkHandler handler,
                  java.util.function.Supplier<RequestHandler> requests, LinkConnection connection) {
        this.own = own;
        this.key = key;
        this.mismatches = mismatches;
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
            if (unproven != null) {
                proof(type, payload);
            } else {
                hello(type, seq, payload);
            }
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

    private void hello(FrameType type, long kind, ByteBuffer payload) throws ProtocolException {
        if (type != FrameType.HELLO) {
            throw new ProtocolException(type + " frame before HELLO");
        }
        Hello hello = Hello.decode(kind, payload);
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
        if (hello.keyed() != (key != null)) {
            refuse(hello, key == null ? "the peer proves a key, this CPU has none"
                    : "the peer has no node key; this CPU's is " + key.fingerprint());
            return;
        }
        sent = own.fresh(key != null);
        out.append(FrameType.HELLO, 0, 0, sent.kind(), sent.encode());
        if (key != null) {
            unproven = hello;
            out.append(FrameType.PROOF, 0, 0, 0, ByteBuffer.wrap(LinkProof.of(key, true, sent, hello)));
            return;
        }
        established(hello);
    }

    /** The client's proof of the key: nothing else is read or sent on this connection before it checks out. */
    private void proof(FrameType type, ByteBuffer payload) {
        if (type != FrameType.PROOF || !LinkProof.check(key, false, payload, sent, unproven)) {
            refuse(unproven, type != FrameType.PROOF ? type + " frame instead of the proof of the node key"
                    : "its proof does not match this CPU's key " + key.fingerprint());
            return;
        }
        established(unproven);
    }

    private void established(Hello hello) {
        peer = hello;
        unproven = null;
        LOG.log(System.Logger.Level.DEBUG, "link server cpu {0}: cpu {1} connected from {2}", own.cpu(),
                hello.cpu(), connection.remote());
    }

    /** Turns away a peer that does not hold this node's key: a NACK, a close, a (rate-limited) warning. */
    private void refuse(Hello hello, String detail) {
        refused = true;
        String remote = connection.remote();
        mismatches.log(LOG, "link server cpu " + own.cpu() + " of node " + own.nodeName(),
                (hello.cpu() == Hello.NOT_A_CPU ? "a requester" : "cpu " + hello.cpu()) + " from " + remote,
                remote.contains(":") ? remote.substring(0, remote.lastIndexOf(':')) : remote, detail);
        out.append(FrameType.NACK, 0, 0, 0, ByteBuffer.wrap(new byte[] {Verdict.KEY_MISMATCH.code()}));
        out.flush();
        connection.close();
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
