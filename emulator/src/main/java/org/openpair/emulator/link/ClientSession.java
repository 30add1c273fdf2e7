package org.openpair.emulator.link;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.openpair.emulator.security.NodeKey;

/**
 * The client's end of one connection: checks the server's HELLO, routes ACKs and NACKs to the
 * {@link CheckpointStream}s open on the link, flushes the checkpoints that pipelining streams
 * queued once their answers are in, and when the connection ends decides what that means (one
 * reconnect probe after EOF or a reset, see {@link PeerProbe}: evidence of death is
 * {@link LinkException.Kind#PEER_GONE}, anything else {@link LinkException.Kind#LINK_DOWN}),
 * fails every unacknowledged send with it and tells the listeners. A link that went down stays
 * down: the owner connects a new client.
 */
final class ClientSession implements LinkConnection.Session {
    private static final System.Logger LOG = System.getLogger(ClientSession.class.getName());

    private final Hello own;
    /** The node key the server must prove it holds, and this side proves in turn; null: none. */
    private final NodeKey key;
    private final InetSocketAddress address;
    private final Duration probeTimeout;
    private final LinkConnection connection;
    private final CompletableFuture<Hello> handshake = new CompletableFuture<>();
    private final ConcurrentHashMap<Long, CheckpointStream> streams = new ConcurrentHashMap<>();
    private final List<Once<Runnable>> peerGoneListeners = new CopyOnWriteArrayList<>();
    private final List<Once<Consumer<LinkException>>> downListeners = new CopyOnWriteArrayList<>();
    private final AckWait ackWait = new AckWait();
    /** The same for replies: how long this link's requests take to be answered. */
    private final AckWait replyWait = new AckWait(AckWait.MAX_REPLY_POLL_NANOS);
    /** Requests sent and not yet answered, by (open, sync ID). */
    private final ConcurrentHashMap<RequestKey, CompletableFuture<LinkReply>> requests = new ConcurrentHashMap<>();
    private volatile Hello peer;
    /** A keyed server's HELLO, until its proof has been checked. */
    private Hello unproven;
    /** Why the link is down, once it is; set before any stream is failed. */
    private volatile LinkException failure;

    ClientSession(Hello own, NodeKey key, InetSocketAddress address, Duration probeTimeout, LinkConnection connection) {
        this.own = own;
        this.key = key;
        this.address = address;
        this.probeTimeout = probeTimeout;
        this.connection = connection;
    }

    /** Waits for the server's HELLO; on failure the connection is closed. */
    Hello awaitHandshake(long timeoutNanos) {
        try {
            return handshake.get(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            connection.close();
            throw e.getCause() instanceof LinkException le ? le.rethrown()
                    : new LinkException(LinkException.Kind.LINK_DOWN, "link to " + address + " failed", e.getCause());
        } catch (TimeoutException e) {
            connection.close();
            throw new LinkException(LinkException.Kind.LINK_DOWN, "no HELLO from the CPU at " + address + " within "
                    + Duration.ofNanos(timeoutNanos));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            connection.close();
            throw new LinkException(LinkException.Kind.INTERRUPTED, "interrupted while connecting to " + address);
        }
    }

    int peerCpu() {
        return peer.cpu();
    }

    /** The largest payload both ends accept. */
    int maxPayload() {
        return Math.min(own.maxPayload(), peer.maxPayload());
    }

    AckWait ackWait() {
        return ackWait;
    }

    /**
     * Reads the link on the calling thread until {@code reply} is in, for about as long as this
     * link's replies have been taking (at most {@link AckWait#MAX_REPLY_POLL_NANOS}); not at all where
     * they take longer, or on a thread that is delivering this link's frames.
     */
    void pollForReply(CompletableFuture<LinkReply> reply, long sentNanos) {
        if (!delivering()) {
            replyWait.pollUntilAcked(reply, sentNanos, connection);
        }
    }

    /** Whether the calling thread is delivering this link's frames and so must never wait on it. */
    boolean delivering() {
        return connection.delivering();
    }

    LinkConnection connection() {
        return connection;
    }

    /** Why the link is down, or null while it is up. */
    LinkException failure() {
        return failure;
    }

    CheckpointStream open(long stream, long epoch, long firstSeq) {
        CheckpointStream s = new CheckpointStream(this, connection.writer(), stream, epoch, firstSeq, maxPayload());
        if (streams.putIfAbsent(stream, s) != null) {
            throw new IllegalStateException("stream " + stream + " is already open on the link to cpu " + peerCpu()
                    + "; close it and let its checkpoints in flight be answered first");
        }
        LinkException down = failure;
        if (down != null) {
            streams.remove(stream, s);
            throw down.rethrown();
        }
        return s;
    }

    /**
     * Sends a REQUEST; the future completes with its REPLY, or fails with the link's
     * {@link LinkException} when the link goes down first. Cancelling it forgets the request
     * (a late reply is dropped). A request with the same key still waiting is failed first.
     */
    CompletableFuture<LinkReply> request(long openId, long syncId, ByteBuffer payload) {
        if (payload.remaining() > maxPayload()) {
            throw new IllegalArgumentException("request of " + payload.remaining() + " bytes exceeds the link's limit of "
                    + maxPayload());
        }
        RequestKey key = new RequestKey(openId, syncId);
        CompletableFuture<LinkReply> reply = new CompletableFuture<>();
        CompletableFuture<LinkReply> earlier = requests.put(key, reply);
        if (earlier != null) {
            earlier.cancel(false);
        }
        long sent = System.nanoTime();
        reply.whenComplete((r, e) -> {
            requests.remove(key, reply);
            if (e == null) {
                replyWait.observed(System.nanoTime() - sent);
            }
        });
        LinkException down = failure;
        if (down != null) {
            reply.completeExceptionally(down.rethrown());
            return reply;
        }
        if (!connection.writer().append(FrameType.REQUEST, openId, 0, syncId, payload)) {
            LinkException why = failure;
            reply.completeExceptionally(why != null ? why.rethrown()
                    : new LinkException(LinkException.Kind.LINK_DOWN, "the link to " + describePeer() + " is closing"));
            return reply;
        }
        if (!delivering()) {
            connection.writer().flush();
        }
        // The link may have gone down between the check and the append: onClosed fails what it finds.
        if (failure != null) {
            reply.completeExceptionally(failure.rethrown());
        }
        return reply;
    }

    private record RequestKey(long openId, long syncId) {
    }

    /** A closed stream whose last checkpoint has been answered leaves the link. */
    void forget(CheckpointStream s) {
        streams.remove(s.stream(), s);
    }

    void onPeerGone(Runnable listener) {
        Once<Runnable> once = new Once<>(listener);
        peerGoneListeners.add(once);
        LinkException down = failure;
        if (down != null && down.kind() == LinkException.Kind.PEER_GONE && once.claim()) {
            runGuarded(listener, "peer-gone listener");
        }
    }

    void onDown(Consumer<LinkException> listener) {
        Once<Consumer<LinkException>> once = new Once<>(listener);
        downListeners.add(once);
        LinkException down = failure;
        if (down != null && down.kind() != LinkException.Kind.CLOSED && once.claim()) {
            runGuarded(() -> listener.accept(down), "link-down listener");
        }
    }

    String describePeer() {
        Hello p = peer;
        return p == null ? "the CPU at " + address : "cpu " + p.cpu() + " at " + address;
    }

    @Override
    public boolean established() {
        return peer != null;
    }

    @Override
    public void onFrame(FrameType type, long stream, long epoch, long seq, ByteBuffer payload) throws IOException {
        if (peer == null) {
            handshakeFrame(type, seq, payload);
            return;
        }
        switch (type) {
            case ACK -> {
                CheckpointStream s = streams.get(stream);
                if (s != null) {
                    s.acked(epoch, seq);
                }
            }
            case NACK -> {
                Verdict reason = payload.remaining() == 1 ? Verdict.ofCode(payload.get(payload.position())) : null;
                if (reason == null) {
                    throw new ProtocolException("NACK with a payload of " + payload.remaining()
                            + " bytes instead of one known reason code");
                }
                CheckpointStream s = streams.get(stream);
                if (s != null) {
                    s.refused(epoch, seq, reason, describePeer());
                }
            }
            case REPLY -> {
                CompletableFuture<LinkReply> waiting = requests.remove(new RequestKey(stream, seq));
                if (waiting != null) {
                    byte[] bytes = new byte[payload.remaining()];
                    payload.get(payload.position(), bytes);
                    waiting.complete(new LinkReply(epoch, bytes));
                }
            }
            default -> throw new ProtocolException(type + " frame from a link server");
        }
    }

    @Override
    public void onBatchEnd() {
        connection.writer().flush();
    }

    @Override
    public void onClosed(LinkConnection.Closure closure, Throwable cause) {
        LinkException why = switch (closure) {
            case LOCAL -> new LinkException(LinkException.Kind.CLOSED, "the link to " + describePeer()
                    + " was closed by this side");
            case EOF, TRUNCATED, BROKEN -> {
                PeerProbe.Outcome probe = PeerProbe.probe(address, own, probeTimeout);
                yield probe.gone()
                        ? new LinkException(LinkException.Kind.PEER_GONE, describePeer() + " is gone: its connection "
                                + "ended (" + closure + ") and a reconnect to its port was " + probe, cause)
                        : new LinkException(LinkException.Kind.LINK_DOWN, "the connection to " + describePeer()
                                + " ended (" + closure + "); a reconnect to its port was " + probe, cause);
            }
            case BAD_FRAME, STALLED, FAILED -> new LinkException(LinkException.Kind.LINK_DOWN, "closed the link to "
                    + describePeer() + ": " + (cause == null ? closure : cause.getMessage()), cause);
        };
        failure = why;
        handshake.completeExceptionally(why);
        for (CheckpointStream s : streams.values()) {
            s.fail(why);
        }
        for (CompletableFuture<LinkReply> waiting : requests.values()) {
            waiting.completeExceptionally(why);
        }
        if (why.kind() == LinkException.Kind.CLOSED) {
            return;
        }
        LOG.log(closure == LinkConnection.Closure.BAD_FRAME || closure == LinkConnection.Closure.FAILED
                ? System.Logger.Level.ERROR : System.Logger.Level.INFO, "link cpu {0}: {1}", own.cpu(), why.getMessage());
        if (why.kind() == LinkException.Kind.PEER_GONE) {
            for (Once<Runnable> l : peerGoneListeners) {
                if (l.claim()) {
                    runGuarded(l.listener, "peer-gone listener");
                }
            }
        }
        for (Once<Consumer<LinkException>> l : downListeners) {
            if (l.claim()) {
                runGuarded(() -> l.listener.accept(why), "link-down listener");
            }
        }
    }

    private void handshakeFrame(FrameType type, long kind, ByteBuffer payload) throws ProtocolException {
        if (unproven != null) {
            serverProof(type, payload);
            return;
        }
        if (type == FrameType.NACK && payload.remaining() == 1
                && Verdict.ofCode(payload.get(payload.position())) == Verdict.KEY_MISMATCH) {
            handshake.completeExceptionally(new LinkException(LinkException.Kind.REFUSED, Verdict.KEY_MISMATCH,
                    "the CPU at " + address + " refused " + (own.cpu() == Hello.NOT_A_CPU ? "this requester" : "cpu "
                            + own.cpu()) + ": node key mismatch (" + (key == null ? "the node has a key and this side none"
                            : "this side's key " + key.fingerprint() + " is not the node's") + ")", null));
            connection.close();
            return;
        }
        if (type == FrameType.NACK && payload.remaining() == 1
                && Verdict.ofCode(payload.get(payload.position())) == Verdict.WRONG_NODE) {
            handshake.completeExceptionally(new LinkException(LinkException.Kind.REFUSED, Verdict.WRONG_NODE,
                    "the CPU at " + address + " refused cpu " + own.cpu() + " of node " + own.nodeName()
                            + ": it belongs to another node", null));
            connection.close();
            return;
        }
        if (type != FrameType.HELLO) {
            throw new ProtocolException(type + " frame before the server's HELLO");
        }
        Hello hello = Hello.decode(kind, payload);
        if (!hello.sameNode(own.nodeName())) {
            handshake.completeExceptionally(new LinkException(LinkException.Kind.REFUSED, Verdict.WRONG_NODE,
                    "the CPU at " + address + " is cpu " + hello.cpu() + " of node " + hello.nodeName() + ", not of "
                            + own.nodeName(), null));
            connection.close();
            return;
        }
        if (hello.keyed() != (key != null)) {
            mismatch(key == null ? "the CPU proves a node key, this side has none"
                    : "the CPU has no node key, this side's is " + key.fingerprint());
            return;
        }
        if (key != null) {
            unproven = hello;
            return;
        }
        peer = hello;
        handshake.complete(hello);
    }

    /**
     * The server's proof: this side answers with its own either way, so that a server that
     * holds another key sees the mismatch and logs it too, and goes on only if the server's
     * proof checks out.
     */
    private void serverProof(FrameType type, ByteBuffer payload) {
        boolean ok = type == FrameType.PROOF && LinkProof.check(key, true, payload, own, unproven);
        connection.writer().append(FrameType.PROOF, 0, 0, 0, ByteBuffer.wrap(LinkProof.of(key, false, own, unproven)));
        connection.writer().flush();
        if (!ok) {
            mismatch(type != FrameType.PROOF ? "a " + type + " frame instead of the CPU's proof of the node key"
                    : "the CPU's proof does not match this side's key " + key.fingerprint());
            return;
        }
        peer = unproven;
        unproven = null;
        handshake.complete(peer);
    }

    private void mismatch(String detail) {
        LinkProof.MismatchLog.CLIENTS.log(LOG, "link cpu " + own.cpu(), "the CPU at " + address,
                address.getHostString(), detail);
        handshake.completeExceptionally(new LinkException(LinkException.Kind.REFUSED, Verdict.KEY_MISMATCH,
                "the CPU at " + address + " refused: node key mismatch (" + detail + ")", null));
        connection.close();
    }

    private void runGuarded(Runnable r, String what) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "link cpu " + own.cpu() + " to " + address + ": " + what + " failed", e);
        }
    }

    /** A listener that runs at most once, whether registered before or after the event. */
    private static final class Once<T> {
        final T listener;
        private final AtomicBoolean fired = new AtomicBoolean();

        Once(T listener) {
            this.listener = listener;
        }

        boolean claim() {
            return fired.compareAndSet(false, true);
        }
    }
}
