package org.openpair.emulator.attach;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

import org.openpair.emulator.attach.AttachFrames.Frame;
import org.openpair.emulator.security.NodeKey;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * The proof of the node key on an admin socket, at no extra round trip: the guest's HELLO carries
 * its nonce; the CPU answers WELCOME and, right behind it, a CHALLENGE (its own nonce and its
 * proof); the guest checks that and sends its PROOF ahead of its first call. The CPU runs no call
 * before the proof checks out. Each MAC covers the role, the node, the CPU and both nonces, so
 * neither side's proof can be replayed on another connection or sent back as the other's.
 *
 * <p>The socket is already its user's alone (0600 in a 0700 directory): the key adds that a
 * command holding another key, or none, is told so at once instead of acting on the node.
 */
final class AdminProof {
    static final String PURPOSE = "admin-hello";
    static final int NONCE_BYTES = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private AdminProof() {
    }

    static byte[] nonce() {
        byte[] n = new byte[NONCE_BYTES];
        RANDOM.nextBytes(n);
        return n;
    }

    /** The CPU's proof ({@code cpuSide}) or the guest's, over the node, the CPU and both nonces. */
    static byte[] of(NodeKey key, boolean cpuSide, String node, int cpu, byte[] cpuNonce, byte[] guestNonce) {
        return key.mac(PURPOSE, (cpuSide ? "cpu" : "guest").getBytes(StandardCharsets.US_ASCII),
                node.getBytes(StandardCharsets.UTF_8), ByteBuffer.allocate(4).putInt(cpu).array(), cpuNonce, guestNonce);
    }

    static boolean check(NodeKey key, boolean cpuSide, byte[] mac, String node, int cpu, byte[] cpuNonce,
                         byte[] guestNonce) {
        return key.verify(PURPOSE, mac, (cpuSide ? "cpu" : "guest").getBytes(StandardCharsets.US_ASCII),
                node.getBytes(StandardCharsets.UTF_8), ByteBuffer.allocate(4).putInt(cpu).array(), cpuNonce, guestNonce);
    }

    /**
     * Reads the CPU's CHALLENGE (sent with the WELCOME, so no round trip is added), checks its
     * proof and sends this side's, which the CPU reads before the first call.
     */
    static void answer(AttachChannel ch, NodeKey key, AttachCodecs.Welcome w, byte[] guestNonce)
            throws IOException, AttachProtocolException {
        Frame challenge = AttachFrames.read(ch, AttachFrames.MAX_BODY, inside -> { });
        ByteBuffer p = challenge.payload();
        if (challenge.type() != AttachFrames.CHALLENGE || p.remaining() != NONCE_BYTES + NodeKey.MAC_BYTES) {
            throw new AttachProtocolException("expected the CPU's CHALLENGE after WELCOME, got frame type " + challenge.type());
        }
        byte[] cpuNonce = new byte[NONCE_BYTES];
        byte[] cpuMac = new byte[NodeKey.MAC_BYTES];
        p.get(cpuNonce).get(cpuMac);
        int cpu = w.self().cpu();
        if (!check(key, true, cpuMac, w.nodeName(), cpu, cpuNonce, guestNonce)) {
            throw new GuardianException(GuardianError.SECURITY, "CPU " + cpu + " of \\" + w.nodeName()
                    + ": node key mismatch: the CPU's proof does not match this command's key " + key.fingerprint());
        }
        AttachFrames.write(ch, AttachFrames.encode(AttachFrames.PROOF, 0,
                of(key, false, w.nodeName(), cpu, cpuNonce, guestNonce)));
    }
}
