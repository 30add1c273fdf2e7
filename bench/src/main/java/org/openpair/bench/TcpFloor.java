package org.openpair.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * The TCP floors of the benchmarks: a round trip of {@code size} bytes to an {@link EchoPeer} in
 * another JVM over 127.0.0.1 (TCP_NODELAY), timed from the first byte written to the last byte
 * read. The echo end always waits in {@code epoll_wait}, as the CPU link's connection threads
 * that answer every message of ours do; the floors differ in how the requester waits for its
 * answer ({@link Model}), as our measured paths do: a WRITEREAD's requester parks until a link
 * thread woken from {@code epoll_wait} hands it the reply (parked), a synchronous checkpoint's
 * sender reads the socket for its own ack (spinning). The two differ by a kernel wake-up, on 2
 * cores a large part of a round trip, so a ratio means something only against the floor of its
 * own model.
 *
 * <p>One client is one connection; not thread-safe. Part of {@link Floors}.
 */
final class TcpFloor implements AutoCloseable {

    /** How the requester waits for the answer. */
    enum Model {
        /**
         * The thread parks in the kernel ({@code epoll_wait} on a non-blocking channel,
         * {@link Selector#select()}) until bytes come and is woken by the kernel: what the CPU
         * link's connection threads do.
         */
        PARKED(Floors.TCP_PARKED),
        /**
         * The thread busy-polls {@code read} on the non-blocking channel, yielding the CPU between
         * reads: no wake-up on its side, as a synchronous checkpoint's sender polls the link for
         * its ack ({@code AckWait}). The yield is part of the model: on 2 vCPUs a reader that
         * spins without yielding keeps the echo's wake-up off its core, and such a floor measured
         * 18.4 µs where the link's yielding sender made the whole checkpoint in 10.4 µs.
         */
        SPINNING(Floors.TCP_SPINNING);

        private final String floor;

        Model(String floor) {
            this.floor = floor;
        }

        /** The floor's case name for a round trip of {@code size} bytes: 100 B has the bare name. */
        String caseName(int size) {
            return size == Floors.TCP_SIZE ? floor : floor + "-" + sizeName(size);
        }
    }

    private final SocketChannel channel;
    private final Selector selector;
    private final Model model;
    private final ByteBuffer in;
    private ByteBuffer out;

    private TcpFloor(SocketChannel channel, Model model) throws IOException {
        this.channel = channel;
        this.model = model;
        this.selector = Selector.open();
        this.in = ByteBuffer.allocateDirect(64 * 1024);
        this.out = ByteBuffer.allocateDirect(0);
    }

    /** Connects to the echo peer on 127.0.0.1:{@code port}; the requester will wait as {@code model} says. */
    static TcpFloor connect(int port, Model model) throws IOException {
        SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        try {
            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
            c.configureBlocking(false);
            TcpFloor floor = new TcpFloor(c, model);
            c.register(floor.selector, SelectionKey.OP_READ);
            return floor;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    Model model() {
        return model;
    }

    /** One round trip of {@code size} bytes; its time, ns. */
    long roundTrip(int size) throws IOException {
        if (out.capacity() != size) {
            out = ByteBuffer.allocateDirect(size);
        }
        out.clear();
        in.clear().limit(size);
        long t0 = System.nanoTime();
        EchoPeer.writeAll(channel, out, model == Model.SPINNING);
        while (in.hasRemaining()) {
            int n = channel.read(in);
            if (n < 0) {
                throw new IOException("the echo peer closed the connection");
            }
            if (n == 0) {
                if (model == Model.PARKED) {
                    selector.select();
                    selector.selectedKeys().clear();
                } else {
                    Thread.yield();
                }
            }
        }
        return System.nanoTime() - t0;
    }

    /** {@code n} round trips of {@code size} bytes, added to {@code into} (none if {@code null}: a warm-up). */
    void roundTrips(int size, int n, Samples into, Deadline limit) throws IOException {
        for (int i = 0; i < n; i++) {
            limit.check(i, n);
            long t = roundTrip(size);
            if (into != null) {
                into.add(t);
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            selector.close();
        } finally {
            channel.close();
        }
    }

    static String sizeName(int size) {
        return size % 1024 == 0 ? size / 1024 + "KiB" : size + "B";
    }
}
