package org.openpair.emulator.link;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One TCP connection of a link and the platform thread that serves it: reads frames and hands
 * them to its {@link Session} in order, tells the session when a read's worth of frames is done
 * (so acks can be coalesced), finishes writes the socket could not take at once, cuts off a
 * peer that stalls mid-frame or before its HELLO, and reports exactly once why the connection
 * ended. Both link ends use it; they differ only in their session. The channel is non-blocking
 * so that no sender ever blocks in a syscall and one selector serves read, write and timeout.
 *
 * <p>A thread waiting for an ack may also read, for a few microseconds ({@link #pollOnce()}):
 * the ack is then taken off the socket by a thread that is already running instead of one that
 * the kernel must first wake, which on 2 cores is most of a round trip. Reading and delivering
 * is therefore done under a lock, by whichever thread holds it. While waiters poll, and for
 * {@link #READS_PARKED_NANOS} after one last got its ack that way, the connection's own thread
 * stops watching for reads (it looks again every millisecond, and at once when a waiter gives
 * up), so that an ack a waiter reads does not also wake it: a third thread woken per round trip
 * on 2 cores is what kept the link at 1.8x a raw round trip instead of 1.4x.
 */
final class LinkConnection {
    private static final System.Logger LOG = System.getLogger(LinkConnection.class.getName());
    /** Queued bytes over which senders wait: a few milliseconds of traffic, and one frame of any size. */
    private static final int MIN_QUEUE_LIMIT = 4 << 20;
    /** How long reads stay parked after a waiter last got its ack by polling. */
    static final long READS_PARKED_NANOS = 1_000_000;

    /** What a connection's two ends do with its frames. */
    interface Session extends FrameReader.Sink {
        /** Every complete frame of the last read has been delivered. */
        void onBatchEnd() throws IOException;

        /** False until the HELLOs have been exchanged: until then silence counts as a stall. */
        boolean established();

        /** The connection ended; called once, on the connection's thread, after its socket closed. */
        void onClosed(Closure closure, Throwable cause);
    }

    /** Why a connection ended. */
    enum Closure {
        /** The peer closed it (or its kernel did) at a frame boundary. */
        EOF,
        /** The peer closed it in the middle of a frame. */
        TRUNCATED,
        /** A read or write failed: reset, broken pipe. */
        BROKEN,
        /** The peer sent a malformed or out-of-turn frame. */
        BAD_FRAME,
        /** No byte came for the stall timeout in the middle of a frame or before HELLO. */
        STALLED,
        /** This side closed it. */
        LOCAL,
        /** An unexpected error on the connection's thread (a bug); logged. */
        FAILED
    }

    private final SocketChannel channel;
    private final Selector selector;
    private final SelectionKey key;
    private final FrameReader reader;
    private final FrameWriter writer;
    private final long stallNanos;
    private final boolean pauseReadsWhileCongested;
    private final String remote;
    private volatile boolean closing;
    private volatile Thread thread;
    /** What the last select found ready; the connection's thread only. */
    private int readyOps;
    /** Held while reading and delivering frames, by the connection's thread or a polling waiter. */
    private final ReentrantLock readLock = new ReentrantLock();
    private volatile Session session;
    /** When the last bytes came, whichever thread read them; for the stall timeout. */
    private volatile long lastBytes = System.nanoTime();
    /** A read failure a polling waiter ran into, for the connection's thread to end with. */
    private volatile Failure pollFailure;
    /** Waiters polling now. */
    private final AtomicInteger pollers = new AtomicInteger();
    /** When a waiter last got its ack by polling. */
    private volatile long lastPolledAck = System.nanoTime() - 2 * READS_PARKED_NANOS;
    /** The connection's thread is not watching for reads; written by that thread only. */
    private volatile boolean readsParked;

    private record Failure(Closure closure, Throwable cause) {
    }

    /**
     * @param pauseReadsWhileCongested stop reading while the socket refuses our writes, so that a
     *                                 peer that does not read its acks is slowed down by TCP
     *                                 instead of growing our queue (the server side); a client
     *                                 must always read, or both ends could wait on each other
     */
    LinkConnection(SocketChannel channel, int maxPayload, Duration stallTimeout, boolean pauseReadsWhileCongested)
            throws IOException {
        this.channel = channel;
        this.remote = describe(channel);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.configureBlocking(false);
        this.selector = Selector.open();
        this.key = channel.register(selector, SelectionKey.OP_READ);
        this.reader = new FrameReader(maxPayload);
        this.writer = new FrameWriter(channel, Math.max(MIN_QUEUE_LIMIT, maxPayload + FrameFormat.OVERHEAD),
                this::wakeFromOtherThread);
        this.stallNanos = stallTimeout.toNanos();
        this.pauseReadsWhileCongested = pauseReadsWhileCongested;
    }

    /** Starts serving the connection on a new platform daemon thread. */
    void start(Session session, String threadName, Runnable onExit) {
        this.session = session;
        // Not in the caller's group: a hosted program that opens a link must not take it down when stopped.
        Thread t = org.openpair.emulator.threads.SystemThreads.daemon(() -> run(session, onExit), threadName);
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    FrameWriter writer() {
        return writer;
    }

    /** The peer's address, for messages. */
    String remote() {
        return remote;
    }

    /**
     * Whether the calling thread is delivering this connection's frames (its own thread, or a
     * polling waiter in a future's dependent action): such a thread must never wait on the link.
     */
    boolean delivering() {
        return Thread.currentThread() == thread || readLock.isHeldByCurrentThread();
    }

    /**
     * Reads and delivers what the socket has, unless another thread is doing so; for a thread
     * that waits for an ack and is running anyway. Never blocks. Returns false once polling is
     * pointless: the connection is ending (its own thread reports how).
     */
    boolean pollOnce() {
        if (closing || pollFailure != null) {
            return false;
        }
        if (!readLock.tryLock()) {
            return true;
        }
        try {
            int n = readAvailable(session);
            if (n > 0) {
                lastBytes = System.nanoTime();
            }
            // At end of stream the connection's thread reads the same EOF and ends the connection.
            return n >= 0;
        } catch (ProtocolException e) {
            pollFailed(new Failure(Closure.BAD_FRAME, e));
        } catch (IOException e) {
            pollFailed(new Failure(closing ? Closure.LOCAL : Closure.BROKEN, e));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "link connection " + remote + " failed", e);
            pollFailed(new Failure(Closure.FAILED, e));
        } finally {
            readLock.unlock();
        }
        return false;
    }

    /** A waiter starts polling ({@link #pollOnce()}) for its ack. */
    void pollingStarted() {
        pollers.incrementAndGet();
    }

    /**
     * A waiter stops polling, with or without its ack. Without it, the connection's thread must
     * read again at once: the ack, or the end of the connection, is still to come.
     */
    void pollingEnded(boolean acked) {
        lastPolledAck = acked ? System.nanoTime() : System.nanoTime() - 2 * READS_PARKED_NANOS;
        pollers.decrementAndGet();
        if (!acked && readsParked) {
            selector.wakeup();
        }
    }

    private void pollFailed(Failure f) {
        pollFailure = f;
        selector.wakeup();
    }

    /**
     * Closes the socket at once (the peer reads EOF even if this connection's thread is busy in
     * a handler) and makes the thread finish; {@link Session#onClosed} follows on that thread.
     */
    void close() {
        closing = true;
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing link connection {0}: {1}", remote, e);
        }
        selector.wakeup();
    }

    /** Waits up to {@code millis} for the connection's thread to end; false if it has not. */
    boolean awaitExit(long millis) {
        Thread t = thread;
        if (t == null || t == Thread.currentThread()) {
            return t == null || !t.isAlive();
        }
        try {
            t.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !t.isAlive();
    }

    /** The connection's own thread looks at the writer before every select; others must wake it. */
    private void wakeFromOtherThread() {
        if (Thread.currentThread() != thread) {
            selector.wakeup();
        }
    }

    private void noteReady(SelectionKey k) {
        readyOps = k.readyOps();
    }

    private void run(Session session, Runnable onExit) {
        Closure closure = Closure.LOCAL;
        Throwable cause = null;
        try {
            while (!closing) {
                Failure polled = pollFailure;
                if (polled != null) {
                    closure = polled.closure();
                    cause = polled.cause();
                    break;
                }
                IOException writeFailure = writer.failure();
                if (writeFailure != null) {
                    closure = Closure.BROKEN;
                    cause = writeFailure;
                    break;
                }
                boolean congested = writer.congested();
                // Announced before looking, so that a waiter that stops meanwhile sees it and wakes us.
                readsParked = true;
                boolean parked = pollers.get() > 0 || System.nanoTime() - lastPolledAck < READS_PARKED_NANOS;
                readsParked = parked;
                boolean reading = !parked && !(congested && pauseReadsWhileCongested);
                int ops = (reading ? SelectionKey.OP_READ : 0) | (congested ? SelectionKey.OP_WRITE : 0);
                if (key.interestOps() != ops) {
                    key.interestOps(ops);
                }
                long timeoutMillis = 0;
                if (!session.established() || reader.partialBytes() > 0) {
                    long left = stallNanos - (System.nanoTime() - lastBytes);
                    if (left <= 0) {
                        closure = Closure.STALLED;
                        cause = new ProtocolException(reader.partialBytes() > 0
                                ? "no byte for " + Duration.ofNanos(stallNanos) + " after " + reader.partialBytes()
                                        + " bytes of a frame"
                                : "no HELLO within " + Duration.ofNanos(stallNanos));
                        break;
                    }
                    timeoutMillis = TimeUnit.NANOSECONDS.toMillis(left) + 1;
                }
                if (parked) {
                    timeoutMillis = TimeUnit.NANOSECONDS.toMillis(READS_PARKED_NANOS);
                }
                readyOps = 0;
                selector.select(this::noteReady, timeoutMillis);
                if (closing) {
                    break;
                }
                if ((readyOps & SelectionKey.OP_WRITE) != 0) {
                    writer.drainFromIoThread();
                }
                if ((readyOps & SelectionKey.OP_READ) != 0) {
                    int n;
                    readLock.lock();
                    try {
                        n = readAvailable(session);
                    } finally {
                        readLock.unlock();
                    }
                    if (n < 0) {
                        closure = reader.partialBytes() > 0 ? Closure.TRUNCATED : Closure.EOF;
                        if (closure == Closure.TRUNCATED) {
                            cause = new ProtocolException("connection closed after " + reader.partialBytes()
                                    + " bytes of a frame");
                        }
                        break;
                    }
                    if (n > 0) {
                        lastBytes = System.nanoTime();
                    }
                }
            }
        } catch (ProtocolException e) {
            closure = Closure.BAD_FRAME;
            cause = e;
        } catch (IOException e) {
            closure = closing ? Closure.LOCAL : Closure.BROKEN;
            cause = e;
        } catch (RuntimeException | Error e) {
            closure = closing ? Closure.LOCAL : Closure.FAILED;
            cause = e;
            if (!closing) {
                LOG.log(System.Logger.Level.ERROR, "link connection " + remote + " failed", e);
            }
        } finally {
            closing = true;
            writer.close();
            try {
                channel.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing link connection {0}: {1}", remote, e);
            }
            try {
                selector.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing selector of {0}: {1}", remote, e);
            }
            try {
                session.onClosed(closure, cause);
            } finally {
                onExit.run();
            }
        }
    }

    /**
     * Reads and delivers until the socket has nothing more; a full buffer means more may be
     * waiting, so the batch (and its acks) goes on. Returns bytes read, or -1 at end of stream.
     * Frames that delivering queued on other connections (replies) leave together at the end
     * ({@link DeliveryBatch}).
     */
    private int readAvailable(Session session) throws IOException {
        DeliveryBatch batch = DeliveryBatch.begin();
        try {
            return readAndDeliver(session);
        } finally {
            batch.end();
        }
    }

    private int readAndDeliver(Session session) throws IOException {
        int total = 0;
        for (;;) {
            int n = reader.readFrom(channel);
            if (n <= 0) {
                if (total > 0) {
                    session.onBatchEnd();
                }
                return n < 0 ? -1 : total;
            }
            total += n;
            boolean more = reader.full();
            reader.dispatch(session);
            if (!more || closing) {
                session.onBatchEnd();
                return total;
            }
        }
    }

    private static String describe(SocketChannel channel) {
        try {
            SocketAddress a = channel.getRemoteAddress();
            return String.valueOf(a);
        } catch (IOException e) {
            return "unconnected socket";
        }
    }
}
