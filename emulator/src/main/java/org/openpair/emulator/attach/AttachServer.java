package org.openpair.emulator.attach;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.openpair.emulator.threads.SystemThreads;
import org.openpair.emulator.security.NodeKey;
import org.openpair.guardian.Guardian;

/**
 * One CPU's attach socket: a Unix-domain socket in the node's private directory under the run
 * directory ({@code <run-dir>/<node>/attach-cpuN.sock}), or, where there is none to use, in a
 * directory of its own under the temporary directory (0700, the socket 0600), where the Java OS processes this CPU spawned connect and prove who they are with the
 * one-time secret the CPU put in their environment. Each connection has one reader thread; calls
 * that block (a checkpoint waiting for its acknowledgement, a READUPDATE) run on a shared pool so
 * the reader keeps reading. A watchdog closes connections that do not say HELLO in time or
 * stall inside a frame.
 */
public final class AttachServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AttachServer.class.getName());
    /** The environment variables that tell a spawned JVM where and as whom to attach. */
    public static final String ENV_SOCKET = "OPENPAIR_ATTACH_SOCKET";
    public static final String ENV_SECRET = "OPENPAIR_ATTACH_SECRET";
    public static final String ENV_PROCESS = "OPENPAIR_ATTACH_PROCESS";
    /** The launcher's main class: {@code java -cp <cpu's class path> AttachMain <class> <args...>}. */
    public static final String LAUNCHER = AttachMain.class.getName();
    static final int SECRET_BYTES = 32;
    /** Connections that have not yet said HELLO: beyond this, new ones are closed at once. */
    static final int MAX_UNAUTHENTICATED = 64;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final int cpu;
    /** The private directory this server made and removes on close; null when it is the node's, which stays. */
    private final Path directory;
    /** The socket file this server made in the node's directory, removed on close if it is still that file; else null. */
    private final Object nodeDirFileKey;
    /** The operator's procedures a guest session runs against: non-null on an admin socket only. */
    private final Guardian guest;
    /** The node key a guest must prove; null: none (and always null on an attach socket). */
    private final NodeKey guestKey;
    private final Path socket;
    private final ServerSocketChannel server;
    private final Map<Long, Expected> expected = new ConcurrentHashMap<>();
    private final Set<AttachSession> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicInteger unauthenticated = new AtomicInteger();
    private final ExecutorService calls;
    private final ScheduledExecutorService watchdog;
    private final long handshakeNanos;
    private final long stallNanos;
    private volatile boolean closed;

    private record Expected(byte[] secret, Attachee attachee) {
    }

    private AttachServer(int cpu, Path directory, Object nodeDirFileKey, Path socket, Guardian guest, NodeKey guestKey,
                         ServerSocketChannel server, long handshakeMillis, long stallMillis) {
        this.cpu = cpu;
        this.directory = directory;
        this.nodeDirFileKey = nodeDirFileKey;
        this.guest = guest;
        this.guestKey = guestKey;
        this.socket = socket;
        this.server = server;
        this.handshakeNanos = TimeUnit.MILLISECONDS.toNanos(handshakeMillis);
        this.stallNanos = TimeUnit.MILLISECONDS.toNanos(stallMillis);
        this.calls = Executors.newCachedThreadPool(r -> SystemThreads.daemon(r, "cpu" + cpu + "-attach-call"));
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> SystemThreads.daemon(r, "cpu" + cpu + "-attach-watchdog"));
    }

    /**
     * Opens CPU {@code cpu}'s attach socket at {@code <runDir>/<node>/attach-cpuN.sock}, replacing
     * the file a killed CPU of that number left there; in a new private directory under the
     * temporary directory instead (Unix socket paths are limited to 107 bytes, so it stays short)
     * when {@code runDir} is null, not private, or another live CPU of the number answers there.
     *
     * @param handshakeMillis how long a new connection may take to say HELLO
     * @param stallMillis     how long a frame may stay half-received
     */
    public static AttachServer open(int cpu, Path runDir, String node, long handshakeMillis, long stallMillis)
            throws IOException {
        if (runDir != null) {
            Path socket = socketPath(runDir, node, cpu);
            String refusal;
            try {
                refusal = NodeSocketDir.prepare(runDir, socket.getParent());
                if (refusal == null) {
                    refusal = NodeSocketDir.free(socket);
                }
                if (refusal == null) {
                    ServerSocketChannel server = bind(socket);
                    Object fileKey;
                    try {
                        fileKey = NodeSocketDir.fileKey(socket);
                    } catch (IOException | RuntimeException e) {
                        server.close();
                        Files.deleteIfExists(socket);
                        throw e;
                    }
                    return new AttachServer(cpu, null, fileKey, socket, null, null, server, handshakeMillis, stallMillis)
                            .start("attach");
                }
            } catch (IOException | RuntimeException e) {
                refusal = e.toString();
            }
            LOG.log(System.Logger.Level.INFO, "CPU {0}: attach socket under the temporary directory, not at {1}: {2}",
                    cpu, socket, refusal);
        }
        return open(cpu, handshakeMillis, stallMillis);
    }

    /** Where CPU {@code cpu} of {@code node} keeps its attach socket under {@code runDir}. */
    public static Path socketPath(Path runDir, String node, int cpu) {
        return runDir.resolve(node).resolve("attach-cpu" + cpu + ".sock");
    }

    /**
     * Opens CPU {@code cpu}'s attach socket in a new private directory under the temporary
     * directory: for a CPU with no run directory. What a killed CPU leaves there stays.
     */
    static AttachServer open(int cpu, long handshakeMillis, long stallMillis) throws IOException {
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "openpair-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path socket = dir.resolve("cpu" + cpu + ".sock");
        ServerSocketChannel server;
        try {
            server = bind(socket);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(dir);
            throw e;
        }
        return new AttachServer(cpu, dir, null, socket, null, null, server, handshakeMillis, stallMillis).start("attach");
    }

    /** A server bound at {@code socket}, made 0600; a failure leaves nothing of its own there. */
    private static ServerSocketChannel bind(Path socket) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
        } catch (IOException | RuntimeException e) {
            // Nothing was made: a file at the path is another's.
            server.close();
            throw e;
        }
        try {
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            return server;
        } catch (IOException | RuntimeException e) {
            server.close();
            Files.deleteIfExists(socket);
            throw e;
        }
    }

    /**
     * Serves guests only, at {@code socket} (whose directory the caller has checked and keeps):
     * CPU {@code cpu}'s admin socket, see {@link AdminSocket}. The socket file is left to the
     * caller to remove.
     */
    static AttachServer openGuests(int cpu, Path socket, Guardian operator, NodeKey key, long handshakeMillis,
                                   long stallMillis) throws IOException {
        ServerSocketChannel server = bind(socket);
        return new AttachServer(cpu, null, null, socket, operator, key, server, handshakeMillis, stallMillis).start("admin");
    }

    private AttachServer start(String kind) {
        SystemThreads.daemon(this::accept, "cpu" + cpu + "-" + kind + "-accept").start();
        watchdog.scheduleWithFixedDelay(this::watch, 100, 100, TimeUnit.MILLISECONDS);
        return this;
    }

    /** The node key guests must prove, or null. */
    NodeKey guestKey() {
        return guestKey;
    }

    /** The operator's procedures guests get, or null: this socket serves attaching processes. */
    Guardian guest() {
        return guest;
    }

    /** The socket's path, for the child's environment. */
    public Path socketPath() {
        return socket;
    }

    /** A fresh one-time secret, hex-encoded for the environment. */
    public static String newSecret() {
        byte[] b = new byte[SECRET_BYTES];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Expects process {@code verifier} to attach with {@code secretHex}; it may do so once. */
    public void expect(long verifier, String secretHex, Attachee attachee) {
        expected.put(verifier, new Expected(HexFormat.of().parseHex(secretHex), attachee));
    }

    /** The process ended before (or after) attaching: its secret is no longer good. */
    public void forget(long verifier) {
        expected.remove(verifier);
    }

    /** Claims a registration for a HELLO; null if the verifier is unknown or the secret wrong. */
    Attachee claim(long verifier, byte[] secret) {
        Expected e = expected.get(verifier);
        if (e == null || !MessageDigest.isEqual(e.secret(), secret)) {
            return null;
        }
        return expected.remove(verifier, e) ? e.attachee() : null;
    }

    ExecutorService calls() {
        return calls;
    }

    int cpu() {
        return cpu;
    }

    /** How many connections are open now, attached or not: for tests and the bench. */
    public int connections() {
        return sessions.size();
    }

    private void accept() {
        while (!closed) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.ERROR, "CPU {0}: attach socket accept failed: {1}", cpu, e.toString());
                }
                return;
            }
            if (unauthenticated.incrementAndGet() > MAX_UNAUTHENTICATED) {
                unauthenticated.decrementAndGet();
                LOG.log(System.Logger.Level.ERROR, "CPU {0}: more than {1} attach connections without HELLO; "
                        + "closing the new one", cpu, MAX_UNAUTHENTICATED);
                closeQuietly(channel);
                continue;
            }
            AttachChannel quiet;
            try {
                quiet = new AttachChannel(channel);
            } catch (IOException e) {
                unauthenticated.decrementAndGet();
                LOG.log(System.Logger.Level.ERROR, "CPU {0}: cannot set up an attach connection: {1}", cpu, e.toString());
                continue;
            }
            AttachSession session = new AttachSession(this, quiet);
            sessions.add(session);
            SystemThreads.daemon(session::run, "cpu" + cpu + "-attach-reader").start();
        }
    }

    void authenticated(AttachSession s) {
        unauthenticated.decrementAndGet();
    }

    void ended(AttachSession s, boolean wasAuthenticated) {
        sessions.remove(s);
        if (!wasAuthenticated) {
            unauthenticated.decrementAndGet();
        }
    }

    private void watch() {
        long now = System.nanoTime();
        for (AttachSession s : sessions) {
            String why = s.overdue(now, handshakeNanos, stallNanos);
            if (why != null) {
                s.abort(why);
            }
        }
    }

    static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            // Closing is all that was wanted.
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "CPU {0}: closing the attach socket: {1}", cpu, e.toString());
        }
        for (AttachSession s : sessions) {
            s.close();
        }
        watchdog.shutdownNow();
        calls.shutdownNow();
        Object ownFile = nodeDirFileKey;
        if (ownFile != null) {
            try {
                NodeSocketDir.removeIfOwn(socket, ownFile);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "CPU {0}: cannot remove {1}: {2}", cpu, socket, e.toString());
            }
        }
        if (directory == null) {
            return;
        }
        try {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "CPU {0}: cannot remove {1}: {2}", cpu, directory, e.toString());
        }
    }
}
