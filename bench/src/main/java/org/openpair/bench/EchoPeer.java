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
 * sends back every byte as soon as it arrives, each connection on a thread of its own that waits
 * for bytes as the CPU link's connection threads do: on a non-blocking channel, in
 * {@code epoll_wait} ({@link Selector#select()}), woken by the kernel. Every message of ours
 * is answered by such a thread, so the echo end is the same for both floors; they differ in how
 * the requester waits for the answer.
 *
 * <p>Run by {@link EchoBenchProgram} (a hosted process on the other CPU of the pair benchmarks)
 * and by {@link LinkBenchPeer} (the peer JVM of {@link LinkBenchmark}).
 */
final class EchoPeer {
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
            c.configureBlocking(false);
            c.register(selector, SelectionKey.OP_READ);
            ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
            for (;;) {
                int n = c.read(buf);
                if (n < 0) {
                    return;
                }
                if (n > 0) {
                    buf.flip();
                    writeAll(c, buf, false);
                    buf.clear();
                } else {
                    selector.select();
                    selector.selectedKeys().clear();
                }
            }
        } catch (IOException e) {
            // the client closed its side, or the run ended
        }
    }

    /** Writes all of {@code buf} on the non-blocking channel: spinning, or waiting in epoll for room. */
    static void writeAll(SocketChannel c, ByteBuffer buf, boolean spin) throws IOException {
        Selector forWrite = null;
        try {
            while (buf.hasRemaining()) {
                if (c.write(buf) == 0 && buf.hasRemaining()) {
                    if (spin) {
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
