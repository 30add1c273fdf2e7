package org.openpair.emulator.link;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The payload of a HELLO frame: who is at the other end (node and CPU) and the largest
 * payload it accepts. Both ends send one first, so that a CPU of another node is turned away
 * before it can send anything else.
 *
 * @param nodeName   the node the sender belongs to
 * @param cpu        the sender's CPU number
 * @param maxPayload the largest payload the sender accepts
 */
record Hello(String nodeName, int cpu, int maxPayload) {
    static final int MAX_NAME_BYTES = 255;
    /** The CPU number a requester that is not a CPU (the {@code guardian} command) announces. */
    static final int NOT_A_CPU = -1;

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
    }

    ByteBuffer encode() {
        byte[] name = nodeName.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + name.length).putInt(cpu).putInt(maxPayload).put(name).flip();
    }

    static Hello decode(ByteBuffer payload) throws ProtocolException {
        if (payload.remaining() < 9) {
            throw new ProtocolException("HELLO payload of " + payload.remaining() + " bytes is too short");
        }
        int cpu = payload.getInt(payload.position());
        int maxPayload = payload.getInt(payload.position() + 4);
        ByteBuffer name = payload.slice(payload.position() + 8, payload.remaining() - 8);
        try {
            String nodeName = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(name).toString();
            return new Hello(nodeName, cpu, maxPayload);
        } catch (CharacterCodingException | IllegalArgumentException e) {
            throw new ProtocolException("bad HELLO: " + e.getMessage());
        }
    }

    /** Whether a peer announcing this HELLO belongs to {@code node}; node names are case-insensitive. */
    boolean sameNode(String node) {
        return nodeName.equalsIgnoreCase(node);
    }
}
