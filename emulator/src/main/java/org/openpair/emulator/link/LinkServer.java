package org.openpair.emulator.link;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The link end every CPU runs: a small TCP server that other CPUs of the same node connect to
 * with a {@link LinkClient} and send checkpoints over, each decided by the CPU's
 * {@link LinkHandler}. One accept thread, and one platform thread per connection (a node has
 * at most 16 CPUs), so a slow handler delays only the CPU whose connection it serves.
 *
 * <p>A connection that breaks the frame format, comes from another node or stalls mid-frame
 * is closed and logged; the server goes on. {@link #close()} first closes the listening port
 * and then every connection, so clients see EOF followed by a refused reconnect and report
 * {@link LinkException.Kind#PEER_GONE} at once, as they would if this JVM had died.
 *
 * {@snippet :
 * try (LinkServer server = LinkServer.start("127.0.0.1", 0, "NODE", 1,
 *         (stream, epoch, seq, payload) -> Verdict.ACCEPT)) {
 *     int port = server.port(); // publish it where the node's other CPUs look
 * }
 * }
 */
public final class LinkServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LinkServer.class.getName());
    private static final long CLOSE_WAIT_MILLIS = 2000;

    private final ServerSocketChannel acceptor;
    private final Hello own;
    private final LinkHandler handler;
    private volatile RequestHandler requests;
    private final LinkOptions options;
    private final int port;
    private final LinkProof.MismatchLog mismatches = new LinkProof.MismatchLog();
    private final Set<LinkConnection> connections = ConcurrentHashMap.newKeySet();
    private final Thread acceptThread;
    private volatile boolean closed;

    private LinkServer(ServerSocketChannel acceptor, Hello own, LinkHandler handler, LinkOptions options)
            throws IOException {
        this.acceptor = acceptor;
        this.own = own;
        this.handler = handler;
        this.options = options;
        this.port = ((InetSocketAddress) acceptor.getLocalAddress()).getPort();
        this.acceptThread = org.openpair.emulator.threads.SystemThreads.daemon(this::acceptLoop,
                "link-accept cpu " + own.cpu() + " :" + port);
        acceptThread.setDaemon(true);
    }

    /** {@link #start(String, int, String, int, LinkHandler, LinkOptions)} with {@link LinkOptions#defaults()}. */
    public static LinkServer start(String bindHost, int port, String nodeName, int cpu, LinkHandler handler) {
        return start(bindHost, port, nodeName, cpu, handler, LinkOptions.defaults());
    }

    /**
     * Binds the port and starts accepting.
     *
     * @param bindHost the address to listen on, e.g. {@code 127.0.0.1}
     * @param port     the port, or 0 for an ephemeral one ({@link #port()} tells which)
     * @param nodeName this CPU's node; clients of other nodes are refused
     * @param cpu      this CPU's number, announced in HELLO
     * @param handler  decides on every checkpoint received
     * @throws UncheckedIOException if the port cannot be bound
     */
    public static LinkServer start(String bindHost, int port, String nodeName, int cpu, LinkHandler handler,
                                   LinkOptions options) {
        Objects.requireNonNull(bindHost, "bindHost");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(options, "options");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535: " + port);
        }
        Hello own = new Hello(Objects.requireNonNull(nodeName, "nodeName"), cpu, options.maxPayload());
        ServerSocketChannel acceptor = null;
        try {
            acceptor = ServerSocketChannel.open();
            acceptor.bind(new InetSocketAddress(bindHost, port), 64);
            LinkServer server = new LinkServer(acceptor, own, handler, options);
            server.acceptThread.start();
            LOG.log(System.Logger.Level.DEBUG, "link server cpu {0} of {1} listening on {2}:{3}", cpu, nodeName,
                    bindHost, server.port);
            return server;
        } catch (IOException e) {
            if (acceptor != null) {
                try {
                    acceptor.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw new UncheckedIOException("cannot listen for CPU links on " + bindHost + ":" + port + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * From now on REQUEST frames go to {@code handler} (before this, a REQUEST closes its
     * connection as out of turn).
     */
    public void serveRequests(RequestHandler handler) {
        this.requests = Objects.requireNonNull(handler, "handler");
    }

    /** The port the server listens on. */
    public int port() {
        return port;
    }

    /** The CPU this server belongs to. */
    public int cpu() {
        return own.cpu();
    }

    /**
     * Stops accepting, then closes every connection (their clients see EOF and a refused
     * reconnect) and waits briefly for the connection threads. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            acceptor.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing link server port {0}: {1}", port, e);
        }
        long until = System.nanoTime() + CLOSE_WAIT_MILLIS * 1_000_000;
        // The kernel keeps a listening socket alive, and completes connects into its backlog,
        // until the thread blocked in accept has left the syscall; only then would a client's
        // death probe be refused, so connections are closed after that.
        join(acceptThread, until);
        for (LinkConnection c : connections) {
            c.close();
        }
        for (LinkConnection c : connections) {
            c.awaitExit(Math.max(1, (until - System.nanoTime()) / 1_000_000));
        }
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel channel;
            try {
                channel = acceptor.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                LOG.log(System.Logger.Level.ERROR, "link server cpu {0}: accept failed: {1}", own.cpu(), e);
                pause();
                continue;
            }
            serve(channel);
        }
    }

    private void serve(SocketChannel channel) {
        LinkConnection connection;
        try {
            connection = new LinkConnection(channel, options.maxPayload(), options.stallTimeout(), true);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "link server cpu {0}: cannot serve a new connection: {1}",
                    own.cpu(), e);
            try {
                channel.close();
            } catch (IOException suppressed) {
                // the connection is being dropped anyway
            }
            return;
        }
        connections.add(connection);
        connection.start(new ServerSession(own, options.key(), mismatches, handler, () -> requests, connection),
                "link cpu " + own.cpu() + " <- " + connection.remote(), () -> connections.remove(connection));
        if (closed) {
            connection.close();
        }
    }

    /** After a failed accept (e.g. out of file descriptors), so as not to spin on it. */
    private static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void join(Thread t, long untilNanos) {
        try {
            t.join(Math.max(1, (untilNanos - System.nanoTime()) / 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
