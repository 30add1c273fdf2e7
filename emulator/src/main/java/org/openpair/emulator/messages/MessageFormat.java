package org.openpair.emulator.messages;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;

/**
 * The message system's payloads on the CPU link (REQUEST and REPLY frames carry the open ID and
 * the sync ID in their own header fields).
 * <pre>
 * request:  byte kind (1 OPEN, 2 WRITEREAD, 3 CLOSE)
 *           int target pin, long target verifier     the process the open is bound to
 *           int sync depth
 *           int opener cpu (-1: not a process), int opener pin, long opener verifier
 *           long deadline                             wall-clock ms when the requester gives up; 0 none
 *           byte[] data                               the request (WRITEREAD only)
 * reply:    int status (0, or the Guardian error number)
 *           byte[] the reply if 0, else a UTF-8 message
 * </pre>
 */
final class MessageFormat {
    static final byte OPEN = 1;
    static final byte WRITEREAD = 2;
    static final byte CLOSE = 3;
    static final int REQUEST_HEADER = 1 + 4 + 8 + 4 + 4 + 4 + 8 + 8;

    private MessageFormat() {
    }

    /**
     * A decoded request header; {@code opener} is null for a requester that is not a process;
     * {@code deadline} is when its requester stops waiting (wall-clock ms, 0 for never).
     */
    record Request(byte kind, int pin, long verifier, int syncDepth, ProcessHandle opener, long deadline, byte[] data) {
        /** True when its requester has given up by {@code nowMillis}: it must not be executed any more. */
        boolean expired(long nowMillis) {
            return deadline != 0 && nowMillis >= deadline;
        }
    }

    static ByteBuffer request(byte kind, ProcessHandle target, int syncDepth, ProcessHandle opener, byte[] data) {
        return request(kind, target, syncDepth, opener, 0, data);
    }

    static ByteBuffer request(byte kind, ProcessHandle target, int syncDepth, ProcessHandle opener, long deadline,
                              byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(REQUEST_HEADER + data.length);
        b.put(kind).putInt(target.pin()).putLong(target.verifier()).putInt(syncDepth);
        if (opener == null) {
            b.putInt(-1).putInt(0).putLong(0);
        } else {
            b.putInt(opener.cpu()).putInt(opener.pin()).putLong(opener.verifier());
        }
        return b.putLong(deadline).put(data).flip();
    }

    /** Decodes a request; a malformed one is refused with 2. */
    static Request decodeRequest(ByteBuffer payload, String nodeName) {
        if (payload.remaining() < REQUEST_HEADER) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "malformed request: " + payload.remaining()
                    + " bytes, fewer than the " + REQUEST_HEADER + "-byte header");
        }
        ByteBuffer b = payload.duplicate();
        byte kind = b.get();
        if (kind < OPEN || kind > CLOSE) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "malformed request: kind " + kind);
        }
        int pin = b.getInt();
        long verifier = b.getLong();
        int depth = b.getInt();
        int openerCpu = b.getInt();
        int openerPin = b.getInt();
        long openerVerifier = b.getLong();
        long deadline = b.getLong();
        if (deadline < 0) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "malformed request: deadline " + deadline);
        }
        if (depth < 0 || depth > org.openpair.guardian.Guardian.MAX_SYNC_DEPTH) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "malformed request: sync depth " + depth);
        }
        ProcessHandle opener = null;
        if (openerCpu != -1) {
            try {
                opener = new ProcessHandle(nodeName, openerCpu, openerPin, openerVerifier);
            } catch (IllegalArgumentException e) {
                throw new GuardianException(GuardianError.INVALID_OPERATION, "malformed request: opener " + e.getMessage());
            }
        }
        byte[] data = new byte[b.remaining()];
        b.get(data);
        return new Request(kind, pin, verifier, depth, opener, deadline, data);
    }

    static ByteBuffer ok(byte[] reply) {
        return ByteBuffer.allocate(4 + reply.length).putInt(0).put(reply).flip();
    }

    static ByteBuffer error(GuardianError error, String message) {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + text.length).putInt(error.number()).put(text).flip();
    }

    /** The status of a reply payload: 0 or a Guardian error number; -1 for a malformed one. */
    static int status(byte[] reply) {
        return reply.length < 4 ? -1 : ByteBuffer.wrap(reply).getInt();
    }

    static byte[] body(byte[] reply) {
        return java.util.Arrays.copyOfRange(reply, 4, reply.length);
    }

    static String message(byte[] reply) {
        return new String(reply, 4, reply.length - 4, StandardCharsets.UTF_8);
    }
}
