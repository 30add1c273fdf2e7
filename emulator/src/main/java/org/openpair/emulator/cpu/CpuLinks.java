package org.openpair.emulator.cpu;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.openpair.emulator.link.CheckpointStream;
import org.openpair.emulator.link.LinkClient;
import org.openpair.emulator.link.LinkException;
import org.openpair.emulator.link.LinkPool;
import org.openpair.emulator.link.LinkReply;
import org.openpair.emulator.link.LinkServer;
import org.openpair.emulator.link.RequestHandler;
import org.openpair.emulator.link.Verdict;
import org.openpair.emulator.messages.RequestLinks;
import org.openpair.emulator.messages.RequestRouter;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.pairs.CheckpointFailure;
import org.openpair.emulator.pairs.CheckpointLinks;
import org.openpair.emulator.process.ProcessTable;

/**
 * This CPU's checkpoint link: the server its backups receive on (an ephemeral port published in
 * the CPU table), and one client per peer CPU that its primaries' channels share. Link
 * outcomes become checkpoint outcomes here: a refused epoch means "fence the sender", anything
 * else that loses a checkpoint means "the backup may have missed one".
 */
final class CpuLinks implements CheckpointLinks, RequestLinks, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(CpuLinks.class.getName());
    /** Longest wait for an ack: the link's own stall detection (10 s) ends a hung wait first. */
    private static final java.time.Duration ACK_BOUND = java.time.Duration.ofSeconds(30);

    private final NodeConfig config;
    private final int cpu;
    private final NodeTables tables;
    private final LinkServer server;
    private final LinkPool clients = new LinkPool(this::connect);
    private volatile ProcessTable receiver;
    private final CpuNotices notices;
    private final CpuCalls calls;
    /** Makes links in the background for the notices and calls that could not wait for one. */
    private final java.util.concurrent.ExecutorService connector;
    /** The CPUs a background connect is queued or running for. */
    private final java.util.Set<Integer> connecting = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicLong leaseAsks = new java.util.concurrent.atomic.AtomicLong();
    /**
     * The lease's own connection to each CPU, beside the one checkpoints, requests and calls share:
     * a frame is read on its connection's thread, and a renewal queued behind a checkpoint whose
     * handling waits (a promotion, a table write) would let a healthy CPU's lease run out.
     */
    private final java.util.Map<Integer, LinkClient> leaseLinks = new java.util.concurrent.ConcurrentHashMap<>();
    /** The CPUs a lease connection is being made to; each on a thread of its own, so a hung CPU holds up no other. */
    private final java.util.Set<Integer> leaseConnecting = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.ExecutorService leaseConnector;

    private CpuLinks(NodeConfig config, int cpu, NodeTables tables) {
        this.config = config;
        this.cpu = cpu;
        this.tables = tables;
        String host = NodeConfig.hostOf(config.cpuAddresses().get(cpu));
        this.connector = java.util.concurrent.Executors.newSingleThreadExecutor(
                r -> org.openpair.emulator.threads.SystemThreads.daemon(r, "cpu" + cpu + "-connect"));
        this.leaseConnector = java.util.concurrent.Executors.newCachedThreadPool(
                r -> org.openpair.emulator.threads.SystemThreads.daemon(r, "cpu" + cpu + "-lease-connect"));
        this.notices = new CpuNotices(cpu, this::connected, this::connectLater);
        this.calls = new CpuCalls(cpu, this::connected, this::connectLater);
        this.server = LinkServer.start(host, 0, config.nodeName(), cpu, this::receive,
                org.openpair.emulator.link.LinkOptions.defaults().withKey(config.nodeKey().orElse(null)));
    }

    /** Notifications to and from other CPUs over this link. */
    CpuNotices notices() {
        return notices;
    }

    /** Calls to and from other CPUs over this link. */
    CpuCalls calls() {
        return calls;
    }

    static CpuLinks start(NodeConfig config, int cpu, NodeTables tables) {
        return new CpuLinks(config, cpu, tables);
    }

    /** Checkpoints arriving here go to this CPU's backups; the lease's messages to {@code lease}. */
    void receiveWith(ProcessTable processes, Lease lease) {
        this.receiver = processes;
        RequestHandler handler = calls.handler(new RequestRouter(config.nodeName(), processes.receivers()));
        server.serveRequests(lease == null ? handler : lease.handler(handler));
    }

    /**
     * A lease message to another CPU, on the link if it is up now; else null, and the link is made
     * for the next one (a lease round never waits for a connect: a hung CPU accepts and never answers).
     */
    CompletableFuture<ByteBuffer> askLease(int targetCpu, ByteBuffer request) {
        LinkClient client = leaseLinks.get(targetCpu);
        if (client == null || !client.isUp()) {
            connectLeaseLater(targetCpu);
            return null;
        }
        try {
            return client.request(LeaseWire.OPEN, leaseAsks.incrementAndGet(), request).thenApply(r -> ByteBuffer.wrap(r.payload()));
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public CompletableFuture<LinkReply> request(int targetCpu, long openId, long syncId, ByteBuffer payload) {
        try {
            return client(targetCpu).request(openId, syncId, payload);
        } catch (RuntimeException e) {
            // Not up, refused, unreachable: to the requester all of these are a path down.
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public void pollForReply(int targetCpu, CompletableFuture<LinkReply> reply, long sentNanos) {
        clients.pollForReply(targetCpu, reply, sentNanos);
    }

    int port() {
        return server.port();
    }

    /** For tests: while set, checkpoints for this CPU's backups wait on the link's reader. */
    private volatile java.util.concurrent.CountDownLatch checkpointsHeld;
    /** For tests: which checkpoints {@link #checkpointsHeld} holds (the payload, not to be consumed). */
    private volatile java.util.function.Predicate<ByteBuffer> heldWhich = p -> true;
    /** For tests: how many checkpoints came to wait on {@link #checkpointsHeld}. */
    private final java.util.concurrent.atomic.AtomicInteger heldArrivals = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * For tests: checkpoints arriving for this CPU's backups from now on wait (on the reader of
     * the link they came by) until {@link #releaseCheckpointsForTests}, as a slow backup's would:
     * their acknowledgements, and whatever comes after them on that link, wait too.
     */
    void holdCheckpointsForTests() {
        holdCheckpointsForTests(p -> true);
    }

    /**
     * For tests: as {@link #holdCheckpointsForTests()}, but only the checkpoints whose payload
     * {@code which} accepts wait; the others go on until one of those arrives. Replaces a hold
     * already set and lets what it held go on, so a test can hold the fill of a backup and then
     * only what followed it.
     */
    void holdCheckpointsForTests(java.util.function.Predicate<ByteBuffer> which) {
        java.util.concurrent.CountDownLatch before = checkpointsHeld;
        heldWhich = which;
        checkpointsHeld = new java.util.concurrent.CountDownLatch(1);
        if (before != null) {
            before.countDown();
        }
    }

    /** For tests: how many checkpoints came to wait since the node started. */
    int heldCheckpointsForTests() {
        return heldArrivals.get();
    }

    /** Lets the checkpoints {@link #holdCheckpointsForTests} held go on, and those after them at once. */
    void releaseCheckpointsForTests() {
        java.util.concurrent.CountDownLatch h = checkpointsHeld;
        checkpointsHeld = null;
        if (h != null) {
            h.countDown();
        }
    }

    private Verdict receive(long stream, long epoch, long seq, ByteBuffer payload) {
        if (stream == CpuNotices.STREAM) {
            return notices.receive(payload);
        }
        java.util.concurrent.CountDownLatch held = checkpointsHeld;
        if (held != null && heldWhich.test(payload.duplicate())) {
            heldArrivals.incrementAndGet();
            try {
                // Bounded, so that a test that forgets to release cannot hang the node for good.
                held.await(2, java.util.concurrent.TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        ProcessTable processes = receiver;
        if (processes == null) {
            return Verdict.UNKNOWN_STREAM;
        }
        byte[] record = new byte[payload.remaining()];
        payload.get(record);
        return processes.onCheckpoint(stream, epoch, seq, record);
    }

    @Override
    public Channel open(int targetCpu, long stream, long epoch) {
        try {
            CheckpointStream s = client(targetCpu).open(stream, epoch, 1);
            return new LinkChannel(s);
        } catch (LinkException | IllegalStateException e) {
            LOG.log(System.Logger.Level.WARNING, "CPU {0}: no checkpoint link to CPU {1}: {2}", cpu, targetCpu, e.getMessage());
            return new BrokenChannel("no link to CPU " + targetCpu + ": " + e.getMessage());
        }
    }

    /** The link to a CPU if it is up now, else {@code null}: never waits for a connect. */
    private LinkClient connected(int targetCpu) {
        return clients.connected(targetCpu);
    }

    private LinkClient client(int targetCpu) {
        return clients.client(targetCpu);
    }

    /**
     * Makes the link to a CPU in the background. A notice or a call must not wait for a connect
     * (a hung CPU accepts TCP connections and never says HELLO): without a link it goes through
     * the engine, and the link is made for the next one.
     */
    private void connectLater(int targetCpu) {
        // One connect per CPU at a time: to a hung CPU each takes its whole timeout, and every
        // call or notice meanwhile would queue another behind it.
        if (!connecting.add(targetCpu)) {
            return;
        }
        try {
            connector.execute(() -> {
                try {
                    client(targetCpu);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, "CPU {0}: no link to CPU {1}: {2}", cpu, targetCpu, e.toString());
                } finally {
                    connecting.remove(targetCpu);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            connecting.remove(targetCpu);
        }
    }

    private void connectLeaseLater(int targetCpu) {
        if (!leaseConnecting.add(targetCpu)) {
            return;
        }
        try {
            leaseConnector.execute(() -> {
                try {
                    LinkClient fresh = connect(targetCpu);
                    LinkClient old = leaseLinks.put(targetCpu, fresh);
                    if (old != null) {
                        old.close();
                    }
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, "CPU {0}: no lease link to CPU {1}: {2}", cpu, targetCpu,
                            e.toString());
                } finally {
                    leaseConnecting.remove(targetCpu);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            leaseConnecting.remove(targetCpu);
        }
    }

    /** Opens a link to another CPU of the node, found through the CPU table. */
    private LinkClient connect(int targetCpu) {
        NodeTables.CpuRecord record = tables.cpus().get(targetCpu);
        if (record == null || record.linkPort() == 0) {
            throw new IllegalStateException("CPU " + targetCpu + " is not up");
        }
        return LinkClient.connect(NodeConfig.hostOf(record.address()), record.linkPort(), config.nodeName(), cpu,
                org.openpair.emulator.link.LinkOptions.defaults().withKey(config.nodeKey().orElse(null)));
    }

    @Override
    public void close() {
        notices.close();
        calls.close();
        connector.shutdownNow();
        leaseConnector.shutdownNow();
        leaseLinks.values().forEach(LinkClient::close);
        leaseLinks.clear();
        clients.close();
        server.close();
    }

    private static RuntimeException translate(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof LinkException e && e.kind() == LinkException.Kind.REFUSED
                && e.reason().orElse(null) == Verdict.STALE_EPOCH) {
            return new CheckpointFailure(CheckpointFailure.Kind.STALE_EPOCH, e.getMessage());
        }
        return new CheckpointFailure(CheckpointFailure.Kind.LINK_DOWN, cause.getMessage());
    }

    /** A channel over a link stream. */
    private static final class LinkChannel implements Channel {
        private final CheckpointStream stream;

        LinkChannel(CheckpointStream stream) {
            this.stream = stream;
        }

        @Override
        public CompletableFuture<Long> send(byte[] payload) {
            CompletableFuture<Long> result = new CompletableFuture<>();
            try {
                stream.send(payload).whenComplete((seq, failure) -> {
                    if (failure == null) {
                        result.complete(seq);
                    } else {
                        result.completeExceptionally(translate(failure));
                    }
                });
            } catch (RuntimeException e) {
                result.completeExceptionally(translate(e));
            }
            return result;
        }

        @Override
        public long sendAndAwait(byte[] payload) {
            try {
                return stream.sendAndAwait(payload, ACK_BOUND);
            } catch (LinkException e) {
                if (e.kind() == LinkException.Kind.INTERRUPTED) {
                    throw new CheckpointFailure(CheckpointFailure.Kind.INTERRUPTED, e.getMessage());
                }
                throw translate(e);
            } catch (IllegalStateException e) {
                // A synchronous checkpoint from a callback of an asynchronous one: a program error.
                throw new org.openpair.guardian.GuardianException(org.openpair.guardian.GuardianError.INVALID_OPERATION,
                        "checkpoint() called from a callback of checkpointAsync(): " + e.getMessage());
            }
        }

        @Override
        public void abort(String why) {
            stream.abort(why);
        }

        @Override
        public void close() {
            stream.close();
        }
    }

    /** A channel to a CPU that cannot be reached: every send fails as a broken link. */
    private record BrokenChannel(String why) implements Channel {
        @Override
        public CompletableFuture<Long> send(byte[] payload) {
            return CompletableFuture.failedFuture(new CheckpointFailure(CheckpointFailure.Kind.LINK_DOWN, why));
        }

        @Override
        public long sendAndAwait(byte[] payload) {
            throw new CheckpointFailure(CheckpointFailure.Kind.LINK_DOWN, why);
        }

        @Override
        public void abort(String why) {
        }

        @Override
        public void close() {
        }
    }
}
