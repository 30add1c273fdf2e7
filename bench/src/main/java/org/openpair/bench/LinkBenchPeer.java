package org.openpair.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;

import org.openpair.emulator.link.LinkServer;
import org.openpair.emulator.link.Verdict;

/**
 * The other JVM of {@link LinkBenchmark}: a {@link LinkServer} whose handler accepts every
 * checkpoint, and the {@link EchoPeer} of the TCP floors ({@link TcpFloor}). It prints
 * {@code LINK_PORT=<p> ECHO_PORT=<p>} on one line and runs until its standard input closes, so
 * it never outlives the benchmark that started it.
 *
 * <p>Started by {@link LinkBenchmark}; not meant to be run by hand.
 */
final class LinkBenchPeer {
    static final String NODE = "BENCH";
    static final int CPU = 1;

    private LinkBenchPeer() {
    }

    public static void main(String[] args) throws IOException {
        LinkServer link = LinkServer.start("127.0.0.1", 0, NODE, CPU, (stream, epoch, seq, payload) -> Verdict.ACCEPT);
        ServerSocketChannel echo = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        Thread acceptor = new Thread(() -> acceptEchoes(echo), "echo-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        System.out.println("LINK_PORT=" + link.port() + " ECHO_PORT="
                + ((InetSocketAddress) echo.getLocalAddress()).getPort());
        System.out.flush();
        InputStream in = System.in;
        while (in.read() >= 0) {
            // the benchmark writes nothing; EOF means it is done or dead
        }
        link.close();
        echo.close();
    }

    private static void acceptEchoes(ServerSocketChannel echo) {
        try {
            EchoPeer.serve(echo);
        } catch (IOException e) {
            // closed at the end of the run
        }
    }
}
