package org.openpair.emulator.link;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.Objects;
import java.util.function.Consumer;

import org.openpair.emulator.security.NodeKey;

/**
 * One CPU's link to another CPU's {@link LinkServer}: a TCP connection announced with HELLO,
 * on which {@link CheckpointStream}s are opened, one per primary/backup pair. A primary's
 * checkpoints travel on it to its backup's CPU and come back acknowledged in about one TCP
 * round trip.
 *
 * <p>The link is also a death detector (DESIGN.md, "Faster than the engine"): when its
 * connection ends with EOF or a reset, the client tries one immediate reconnect to the same
 * port; if the peer's kernel refuses it (or resets it unanswered, as a dying listener does),
 * the peer's JVM is gone, unacknowledged sends fail
 * with {@link LinkException.Kind#PEER_GONE} and the {@link #onPeerGone} listeners run, well
 * before Hazelcast notices. If the reconnect is not refused, or the link stalled or carried a
 * bad frame, they fail with {@link LinkException.Kind#LINK_DOWN} and only the
 * {@link #onDown} listeners run: silence is never taken for death. A link that went down
 * stays down; connect a new client.
 *
 * <p>Thread-safe. One platform thread per client reads acks; senders write themselves.
 */
public final class LinkClient implements AutoCloseable {
    private static final long CLOSE_WAIT_MILLIS = 2000;

    private final ClientSession session;
    private final LinkConnection connection;

    private LinkClient(ClientSession session, LinkConnection connection) {
        this.session = session;
        this.connection = connection;
    }

    /** {@link #connect(String, int, String, int, LinkOptions)} with {@link LinkOptions#defaults()}. */
    public static LinkClient connect(String host, int port, String nodeName, int cpu) {
        return connect(host, port, nodeName, cpu, LinkOptions.defaults());
    }

    /** {@link #connect(String, int, String, int, LinkOptions)} with the default options and this connect timeout. */
    public static LinkClient connect(String host, int port, String nodeName, int cpu, Duration timeout) {
        return connect(host, port, nodeName, cpu, LinkOptions.defaults().withConnectTimeout(timeout));
    }

    /**
     * Connects to the link server of another CPU of the same node and exchanges HELLOs.
     *
     * @param host     where that CPU's {@link LinkServer} listens
     * @param port     its {@link LinkServer#port()}
     * @param nodeName this CPU's node; the server refuses a client of another node
     * @param cpu      this CPU's number
     * @throws LinkException {@link LinkException.Kind#PEER_GONE} if the port refused the
     *                       connection (nothing listens there), {@link LinkException.Kind#REFUSED}
     *                       ({@link Verdict#WRONG_NODE}) if the server belongs to another node,
     *                       ({@link Verdict#KEY_MISMATCH}) if the two ends do not hold the same
     *                       node key (see {@link LinkOptions#key()}),
     *                       {@link LinkException.Kind#LINK_DOWN} if it could not be reached or did
     *                       not answer within {@link LinkOptions#connectTimeout()}
     */
    public static LinkClient connect(String host, int port, String nodeName, int cpu, LinkOptions options) {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(options, "options");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535: " + port);
        }
        Hello own = new Hello(Objects.requireNonNull(nodeName, "nodeName"), cpu, options.maxPayload())
                .fresh(options.key() != null);
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new LinkException(LinkException.Kind.LINK_DOWN, "unknown host " + host);
        }
        long deadline = System.nanoTime() + options.connectTimeout().toNanos();
        SocketChannel channel = open(address, options.connectTimeout());
        LinkConnection connection;
        try {
            connection = new LinkConnection(channel, options.maxPayload(), options.stallTimeout(), false);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new LinkException(LinkException.Kind.LINK_DOWN, "cannot set up the link to " + address + ": "
                    + e.getMessage(), e);
        }
        ClientSession session = new ClientSession(own, options.key(), address, options.connectTimeout(), connection);
        connection.writer().append(FrameType.HELLO, 0, 0, own.kind(), own.encode());
        connection.writer().flush();
        connection.start(session, "link cpu " + cpu + " -> " + address, () -> { });
        session.awaitHandshake(Math.max(0, deadline - System.nanoTime()));
        return new LinkClient(session, connection);
    }

    /**
     * Connects to a CPU's link server as a requester that is not a CPU (the {@code guardian}
     * command): it may send requests, never checkpoints.
     */
    public static LinkClient connectAsRequester(String host, int port, String nodeName, Duration timeout) {
        return connectAsRequester(host, port, nodeName, timeout, null);
    }

    /** As {@link #connectAsRequester(String, int, String, Duration)}, proving {@code key} (null: none). */
    public static LinkClient connectAsRequester(String host, int port, String nodeName, Duration timeout, NodeKey key) {
        return connect(host, port, nodeName, Hello.NOT_A_CPU, LinkOptions.defaults().withConnectTimeout(timeout)
                .withKey(key));
    }

    /**
     * Sends a request to the message system of the CPU at the other end.
     *
     * @return completes with the REPLY for ({@code openId}, {@code syncId}), or fails with a
     *         {@link LinkException} if the link goes down first; cancel it to stop waiting
     * @throws IllegalArgumentException if the payload exceeds {@link #maxPayload()}
     */
    public CompletableFuture<LinkReply> request(long openId, long syncId, ByteBuffer payload) {
        return session.request(openId, syncId, payload);
    }

    /**
     * Called by a requester about to wait for {@code reply} (of a {@link #request} sent at
     * {@code sentNanos}): reads the link on the calling thread for about one of its usual round
     * trips (at most 400 µs), so that a reply that comes soon is taken off the socket by the
     * requester itself, already running, not by the link's thread that the kernel must wake and
     * that must then wake the requester. Returns at once where replies take longer (many
     * requesters on the link, a slow server); the caller then waits on the future as before.
     */
    public void pollForReply(CompletableFuture<LinkReply> reply, long sentNanos) {
        session.pollForReply(reply, sentNanos);
    }

    /**
     * Opens an ordered checkpoint stream on this link.
     *
     * @param stream   the stream id the receiver's handler knows the pair by
     * @param epoch    the sender's epoch, carried by every checkpoint (the receiver refuses a stale one)
     * @param firstSeq the seq of the first send
     * @throws IllegalStateException if the stream id is open on this client, or still has
     *                               checkpoints in flight after being closed
     * @throws LinkException         if the link is down
     */
    public CheckpointStream open(long stream, long epoch, long firstSeq) {
        return session.open(stream, epoch, firstSeq);
    }

    /**
     * Runs {@code listener} once if the peer's JVM is found gone (EOF or reset, then a refused
     * reconnect), on the link's thread after the unacknowledged sends have failed; at once, on
     * the caller's thread, if that already happened. Never for a timeout or a stall. A listener
     * that throws is logged.
     */
    public void onPeerGone(Runnable listener) {
        session.onPeerGone(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Runs {@code listener} once when the link goes down for any reason but {@link #close()}
     * ({@link LinkException.Kind#PEER_GONE} or {@link LinkException.Kind#LINK_DOWN}), like
     * {@link #onPeerGone}.
     */
    public void onDown(Consumer<LinkException> listener) {
        session.onDown(Objects.requireNonNull(listener, "listener"));
    }

    /** The CPU number the server announced. */
    public int peerCpu() {
        return session.peerCpu();
    }

    /** The largest checkpoint payload this link carries: the smaller of the two ends' limits. */
    public int maxPayload() {
        return session.maxPayload();
    }

    /** True until the link went down or was closed. */
    public boolean isUp() {
        return session.failure() == null;
    }

    /**
     * Closes the link: unacknowledged sends fail with {@link LinkException.Kind#CLOSED} (by the
     * time this returns, unless called from a future's dependent action). Idempotent.
     */
    @Override
    public void close() {
        connection.close();
        connection.awaitExit(CLOSE_WAIT_MILLIS);
    }

    private static SocketChannel open(InetSocketAddress address, Duration timeout) {
        SocketChannel channel = null;
        try {
            channel = SocketChannel.open();
            channel.socket().connect(address, (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
            return channel;
        } catch (ConnectException e) {
            closeQuietly(channel);
            if (PeerProbe.refused(e)) {
                throw new LinkException(LinkException.Kind.PEER_GONE, "no CPU listens on " + address + ": "
                        + e.getMessage(), e);
            }
            // Unreachable or timed out: what a partition looks like, not evidence of death.
            throw new LinkException(LinkException.Kind.LINK_DOWN, "cannot reach " + address + ": " + e.getMessage(), e);
        } catch (SocketTimeoutException e) {
            closeQuietly(channel);
            throw new LinkException(LinkException.Kind.LINK_DOWN, "no answer from " + address + " within " + timeout, e);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new LinkException(LinkException.Kind.LINK_DOWN, "cannot connect to " + address + ": "
                    + e.getMessage(), e);
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing more to do with a channel that failed to connect
            }
        }
    }
}
