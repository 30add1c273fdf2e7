package org.openpair.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.ProcessContext;

/**
 * The raw TCP echo peer of {@code guardian bench checkpoint}, run as a hosted process on the
 * backup's CPU so that the baseline round trip is made between exactly the two JVMs a
 * checkpoint crosses, with the same emulator and Hazelcast threads around it. It is the plainest
 * round trip two JVMs can make, as {@code LinkBenchPeer}'s echo is: a blocking socket with
 * TCP_NODELAY, every byte sent back as soon as it arrives, one connection at a time on the
 * program's own thread.
 *
 * <p>Argument: the file to write its port to (written whole, then renamed into place). It ends
 * when stopped. Public with a public constructor, as every hosted program must be.
 *
 * <p>Run: {@code ./guardian bench checkpoint}.
 */
public final class EchoBenchProgram implements GuardianProgram {

    public EchoBenchProgram() {
    }

    @Override
    public void run(ProcessContext ctx) throws IOException {
        Path portFile = Path.of(ctx.args().get(0));
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0), 4);
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
            Files.writeString(tmp, Integer.toString(port), StandardCharsets.US_ASCII);
            Files.move(tmp, portFile, StandardCopyOption.ATOMIC_MOVE);
            ctx.out().println("echo on 127.0.0.1:" + port);
            ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
            while (!ctx.isStopRequested()) {
                // A stop interrupts this thread, which closes the blocking channel it waits on.
                try (SocketChannel c = server.accept()) {
                    c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    buf.clear();
                    while (c.read(buf) >= 0) {
                        buf.flip();
                        while (buf.hasRemaining()) {
                            c.write(buf);
                        }
                        buf.clear();
                    }
                }
            }
        } catch (java.nio.channels.ClosedByInterruptException e) {
            // Stopped.
        }
    }
}
