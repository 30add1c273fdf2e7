package org.openpair.emulator.link;

import java.io.IOException;
import java.io.InputStream;

/**
 * A link server in a JVM of its own that accepts every checkpoint, for tests that must kill
 * the peer's JVM: prints {@code LINK_PORT=<port>}, then serves until its standard input ends.
 */
final class LinkPeerMain {
    static final String NODE = "PEER";
    static final int CPU = 1;

    private LinkPeerMain() {
    }

    public static void main(String[] args) throws IOException {
        LinkServer link = LinkServer.start("127.0.0.1", 0, NODE, CPU, (stream, epoch, seq, payload) -> Verdict.ACCEPT);
        System.out.println("LINK_PORT=" + link.port());
        System.out.flush();
        InputStream in = System.in;
        while (in.read() >= 0) {
            // nothing is written; EOF means the test is done or dead
        }
        link.close();
    }
}
