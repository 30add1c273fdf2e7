package org.openpair.emulator.link;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.openpair.emulator.security.NodeKey;

/**
 * The proof of the node key on a link: after the two keyed HELLOs each end sends a PROOF, the
 * MAC of its role, the node, both CPU numbers and both nonces under the node key. Each side's
 * nonce is fresh for the connection, so a recorded proof is worth nothing on another one; the
 * role is in the MAC, so the server's proof cannot be sent back to it as the client's. The
 * server sends its proof with its HELLO and accepts nothing but the client's proof until that
 * checks out; the client checks the server's before it sends anything else.
 *
 * <p>Frames after the handshake carry no MAC (it would cost every checkpoint): someone who
 * can inject bytes into an established TCP connection is not stopped by this (docs/security.md).
 */
final class LinkProof {
    static final String PURPOSE = "link-hello";
    private static final byte[] SERVER = "server".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLIENT = "client".getBytes(StandardCharsets.US_ASCII);
    /** One warning per address in this long, so that a peer retrying with a wrong key does not flood the log. */
    private static final long LOG_EVERY_NANOS = 60_000_000_000L;

    private LinkProof() {
    }

    /** The proof {@code own} sends, as a server or a client, to {@code peer}. */
    static byte[] of(NodeKey key, boolean server, Hello own, Hello peer) {
        return key.mac(PURPOSE, server ? SERVER : CLIENT, own.nodeName().toUpperCase(java.util.Locale.ROOT)
                .getBytes(StandardCharsets.UTF_8), cpu(own.cpu()), cpu(peer.cpu()), own.nonce(), peer.nonce());
    }

    /** Whether {@code proof}, received from {@code peer}, is the one a holder of the key sends. */
    static boolean check(NodeKey key, boolean fromServer, ByteBuffer proof, Hello own, Hello peer) {
        if (proof.remaining() != NodeKey.MAC_BYTES) {
            return false;
        }
        byte[] mac = new byte[NodeKey.MAC_BYTES];
        proof.get(proof.position(), mac);
        return key.verify(PURPOSE, mac, fromServer ? SERVER : CLIENT, peer.nodeName().toUpperCase(java.util.Locale.ROOT)
                .getBytes(StandardCharsets.UTF_8), cpu(peer.cpu()), cpu(own.cpu()), peer.nonce(), own.nonce());
    }

    private static byte[] cpu(int cpu) {
        return ByteBuffer.allocate(4).putInt(cpu).array();
    }

    /**
     * Logs refused peers as WARNINGs naming the address and "node key mismatch", at most once a
     * minute per host (then with the number left unlogged), so that a peer retrying with a wrong
     * key does not flood the refusing side's log. A link server has its own; clients share one.
     */
    static final class MismatchLog {
        static final MismatchLog CLIENTS = new MismatchLog();
        private final ConcurrentMap<String, Long> lastLogged = new ConcurrentHashMap<>();
        private final ConcurrentMap<String, Integer> suppressed = new ConcurrentHashMap<>();

        void log(System.Logger log, String who, String peer, String host, String detail) {
            long now = System.nanoTime();
            Long last = lastLogged.get(host);
            if (last != null && now - last < LOG_EVERY_NANOS) {
                suppressed.merge(host, 1, Integer::sum);
                return;
            }
            if (lastLogged.size() > 4096) {
                lastLogged.clear();
                suppressed.clear();
            }
            lastLogged.put(host, now);
            Integer more = suppressed.remove(host);
            log.log(System.Logger.Level.WARNING, "{0}: refused {1}: node key mismatch ({2}){3}", who, peer, detail,
                    more == null ? "" : "; " + more + " more from " + host + " in the last minute were not logged");
        }
    }
}
