package org.openpair.emulator.link;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/**
 * The payload of a HELLO frame: who is at the other end (node and CPU), the largest payload it
 * accepts and, on a node with a key, the fresh nonce the other end's proof must cover. Both
 * ends send one first, so that a CPU of another node, or a peer that does not hold the node
 * key, is turned away before it can send anything else.
 *
 * <p>The frame's {@code seq} field says which handshake it opens: {@link #PLAIN} (no key: the
 * payload is {@code int cpu, int maxPayload, name}) or {@link #KEYED} ({@code int cpu, int
 * maxPayload, 16-byte nonce, name}, then a PROOF each way, see {@link LinkProof}). A keyed end
 * and a plain one refuse each other at once with {@link Verdict#KEY_MISMATCH}.
 *
 * @param nodeName   the node the sender belongs to
 * @param cpu        the sender's CPU number
 * @param maxPayload the largest payload the sender accepts
 * @param nonce      the sender's challenge, {@link #NONCE_BYTES} random bytes; null without a key
 */
record Hello(String nodeName, int cpu, int maxPayload, byte[] nonce) {
    static final int MAX_NAME_BYTES = 255;
    /** The CPU number a requester that is not a CPU (the {@code guardian} command) announces. */
    static final int NOT_A_CPU = -1;
    /** The HELLO of a node without a key: the frame's seq. */
    static final long PLAIN = 0;
    /** The HELLO of a node with a key, followed by a PROOF each way. */
    static final long KEYED = 1;
    static final int NONCE_BYTES = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    Hello {
        int bytes = nodeName.getBytes(StandardCharsets.UTF_8).length;
        if (bytes < 1 || bytes > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("node name must be 1-" + MAX_NAME_BYTES + " UTF-8 bytes: \""
                    + nodeName + "\"");
        }
        if (cpu < NOT_A_CPU) {
            throw new IllegalArgumentException("cpu must be >= 0, or -1 for a requester that is not a CPU: " + cpu);
        }
        if (maxPayload < 1) {
            throw new IllegalArgumentException("maxPayload must be >= 1: " + maxPayload);
        }
        if (nonce != null && nonce.length != NONCE_BYTES) {
            throw new IllegalArgumentException("a HELLO nonce is " + NONCE_BYTES + " bytes: " + nonce.length);
        }
    }

    /** A HELLO without a key. */
    Hello(String nodeName, int cpu, int maxPayload) {
        this(nodeName, cpu, maxPayload, null);
    }

    /** This HELLO with a fresh random nonce if {@code keyed}, else without one. */
    Hello fresh(boolean keyed) {
        if (!keyed) {
            return nonce == null ? this : new Hello(nodeName, cpu, maxPayload, null);
        }
        byte[] n = new byte[NONCE_BYTES];
        RANDOM.nextBytes(n);
        return new Hello(nodeName, cpu, maxPayload, n);
    }

    boolean keyed() {
        return nonce != null;
    }

    /** The frame's seq field: which handshake this HELLO opens. */
    long kind() {
        return keyed() ? KEYED : PLAIN;
    }

    ByteBuffer encode() {
        byte[] name = nodeName.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + (keyed() ? NONCE_BYTES : 0) + name.length).putInt(cpu).putInt(maxPayload);
        if (keyed()) {
            b.put(nonce);
        }
        return b.put(name).flip();
    }

    /** The HELLO in a frame whose seq field is {@code kind}. */
    static Hello decode(long kind, ByteBuffer payload) throws ProtocolException {
        if (kind != PLAIN && kind != KEYED) {
            throw new ProtocolException("HELLO of unknown kind " + kind);
        }
        int fixed = 8 + (kind == KEYED ? NONCE_BYTES : 0);
        if (payload.remaining() < fixed + 1) {
            throw new ProtocolException("HELLO payload of " + payload.remaining() + " bytes is too short");
        }
        int cpu = payload.getInt(payload.position());
        int maxPayload = payload.getInt(payload.position() + 4);
        byte[] nonce = null;
        if (kind == KEYED) {
            nonce = new byte[NONCE_BYTES];
            payload.get(payload.position() + 8, nonce);
        }
        ByteBuffer name = payload.slice(payload.position() + fixed, payload.remaining() - fixed);
        try {
            String nodeName = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(name).toString();
            return new Hello(nodeName, cpu, maxPayload, nonce);
        } catch (CharacterCodingException | IllegalArgumentException e) {
            throw new ProtocolException("bad HELLO: " + e.getMessage());
        }
    }

    /** Whether a peer announcing this HELLO belongs to {@code node}; node names are case-insensitive. */
    boolean sameNode(String node) {
        return nodeName.equalsIgnoreCase(node);
    }
}
