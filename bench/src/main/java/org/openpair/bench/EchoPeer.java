package org.openpair.bench;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

import org.openpair.emulator.threads.SystemThreads;

/**
 * The one raw TCP echo of the benchmarks, the far end of the TCP floors ({@link TcpFloor}): it
 * sends back every byte as soon as it arrives, each connection on a thread of its own, with the
 * thread model the client asked for in the connection's first byte ({@link TcpFloor.Model}):
 * <ul>
 *   <li>{@code P} (parked): the channel is non-blocking and the thread waits in
 *       {@code epoll_wait} ({@link Selector#select()}) until bytes come, as the CPU link's
 *       connection threads do;</li>
 *   <li>{@code S} (spinning): the thread busy-polls {@code read} on the non-blocking channel;
 *       after {@value #SPIN_IDLE_MILLIS} ms without a byte it parks in {@code epoll_wait}
 *       until the next one, so that an idle spinning connection does not take a core from the
 *       rest of a run on a 2-core machine. A steady stream of round trips never idles that long.</li>
 * </ul>
 * Run by {@link EchoBenchProgram} (a hosted process on the other CPU of the pair benchmarks) and
 * by {@link LinkBenchPeer} (the peer JVM of {@link LinkBenchmark}).
 */
final class EchoPeer {
    static final long SPIN_IDLE_MILLIS = 1;
    private static final int BUFFER = 64 * 1024;

    private EchoPeer() {
    }

    /**
     * Accepts connections until the server channel closes (or the calling thread is
     * interrupted, which closes it), echoing each on a daemon thread of its own.
     *
     * @throws IOException when accepting fails for another reason than the channel's closing
     */
    static void serve(ServerSocketChannel server) throws IOException {
        try {
            for (;;) {
                SocketChannel c = server.accept();
                SystemThreads.daemon(() -> echo(c), "bench-echo " + c.getRemoteAddress()).start();
            }
        } catch (java.nio.channels.ClosedChannelException e) {
            // closed (or interrupted): the end of the run
        }
    }

    /** Echoes one connection until its client closes it. */
    static void echo(SocketChannel c) {
        try (c; Selector selector = Selector.open()) {
            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
            buf.limit(1);
            while (buf.hasRemaining()) {
                if (c.read(buf) < 0) {
                    return;
                }
            }
            TcpFloor.Model model = TcpFloor.Model.of(buf.get(0));
            buf.clear();
            c.configureBlocking(false);
            SelectionKey key = c.register(selector, SelectionKey.OP_READ);
            long spinLimit = SPIN_IDLE_MILLIS * 1_000_000L;
            long lastByte = System.nanoTime();
            for (;;) {
                int n = c.read(buf);
                if (n < 0) {
                    return;
                }
                if (n > 0) {
                    buf.flip();
                    writeAll(c, buf, model);
                    buf.clear();
                    lastByte = System.nanoTime();
                } else if (model == TcpFloor.Model.PARKED || System.nanoTime() - lastByte > spinLimit) {
                    selector.select();
                    selector.selectedKeys().clear();
                } else {
                    Thread.onSpinWait();
                }
            }
        } catch (IOException e) {
            // the client closed its side, or the run ended
        }
    }

    /** Writes all of {@code buf} on the non-blocking channel: spinning, or waiting in epoll for room. */
    static void writeAll(SocketChannel c, ByteBuffer buf, TcpFloor.Model model) throws IOException {
        Selector forWrite = null;
        try {
            while (buf.hasRemaining()) {
                if (c.write(buf) == 0 && buf.hasRemaining()) {
                    if (model == TcpFloor.Model.SPINNING) {
                        Thread.onSpinWait();
                        continue;
                    }
                    if (forWrite == null) {
                        forWrite = Selector.open();
                        c.register(forWrite, SelectionKey.OP_WRITE);
                    }
                    forWrite.select();
                    forWrite.selectedKeys().clear();
                }
            }
        } finally {
            if (forWrite != null) {
                forWrite.close();
            }
        }
    }
}
