package org.openpair.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.ProcessContext;

/**
 * The echo peer of the TCP floors ({@link Floors}), run as a hosted process on CPU 1 of the pair
 * benchmarks so that the floor's round trip is made between exactly the two JVMs a checkpoint
 * or a request crosses, with the same emulator and Hazelcast threads around it. The echo itself
 * is {@link EchoPeer}'s, shared with {@code LinkBenchPeer}.
 *
 * <p>Argument: the file to write its port to (written whole, then renamed into place). It ends
 * when stopped. Public with a public constructor, as every hosted program must be.
 *
 * <p>Run: {@code ./guardian bench floors}, {@code checkpoint} or {@code writeread}.
 */
public final class EchoBenchProgram implements GuardianProgram {

    public EchoBenchProgram() {
    }

    @Override
    public void run(ProcessContext ctx) throws IOException {
        Path portFile = Path.of(ctx.args().get(0));
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0), 8);
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
            Files.writeString(tmp, Integer.toString(port), StandardCharsets.US_ASCII);
            Files.move(tmp, portFile, StandardCopyOption.ATOMIC_MOVE);
            ctx.out().println("echo on 127.0.0.1:" + port);
            // A stop interrupts this thread, which closes the channel it accepts on.
            EchoPeer.serve(server);
        }
    }
}
