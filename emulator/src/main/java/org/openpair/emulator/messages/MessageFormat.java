package org.openpair.emulator.messages;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.openpair.emulator.codec.Codec;
import org.openpair.emulator.codec.CodecException;
import org.openpair.emulator.codec.Encoder;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;

/**
 * The message system's payloads on the CPU link (REQUEST and REPLY frames carry the open ID and
 * the sync ID in their own header fields), written by the runtime's codec (ids 801 and 802):
 * <pre>
 * request:  byte kind (1 OPEN, 2 WRITEREAD, 3 CLOSE)
 *           int target pin, long target verifier     the process the open is bound to
 *           int sync depth
 *           int opener cpu (-1: not a process), int opener pin, long opener verifier
 *           long deadline                             wall-clock ms when the requester gives up; 0 none
 *           bytes data                                the request, its length first (WRITEREAD only)
 * reply:    int status (0, or the Guardian error number)
 *           bytes the reply if 0, else a UTF-8 message, its length first
 * </pre>
 * The opener travels without its node: a link carries only its own node's traffic (HELLO), so
 * the receiver names it.
 */
final class MessageFormat {
    static final byte OPEN = 1;
    static final byte WRITEREAD = 2;
    static final byte CLOSE = 3;
    /** A request's bytes besides its data. */
    static final int REQUEST_HEADER = 1 + 4 + 8 + 4 + 4 + 4 + 8 + 8 + 4;
    /** A reply's bytes besides its body. */
    private static final int REPLY_HEADER = 4 + 4;

    /** A request as it travels. */
    private record WireRequest(byte kind, int pin, long verifier, int syncDepth, int openerCpu, int openerPin,
                               long openerVerifier, long deadline, byte[] data) {
    }

    /** A reply: its status (0, or a Guardian error number) and its bytes (a UTF-8 message when not 0). */
    record Reply(int status, byte[] body) {
        String message() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private static final Codec<WireRequest> REQUEST = Codec.of(801, WireRequest.class,
            (out, r) -> out.i8(r.kind()).i32(r.pin()).i64(r.verifier()).i32(r.syncDepth()).i32(r.openerCpu())
                    .i32(r.openerPin()).i64(r.openerVerifier()).i64(r.deadline()).bytes(r.data()),
            in -> new WireRequest((byte) in.i8(), in.i32(), in.i64(), in.i32(), in.i32(), in.i32(), in.i64(), in.i64(),
                    in.bytes()));

    private static final Codec<Reply> REPLY = Codec.of(802, Reply.class,
            (out, r) -> out.i32(r.status()).bytes(r.body()),
            in -> new Reply(in.i32(), in.bytes()));

    private MessageFormat() {
    }

    /**
     * A decoded request; {@code opener} is null for a requester that is not a process;
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
        WireRequest r = opener == null
                ? new WireRequest(kind, target.pin(), target.verifier(), syncDepth, -1, 0, 0, deadline, data)
                : new WireRequest(kind, target.pin(), target.verifier(), syncDepth, opener.cpu(), opener.pin(),
                        opener.verifier(), deadline, data);
        return new Encoder(REQUEST_HEADER + data.length).value(REQUEST, r).toByteBuffer();
    }

    /** Decodes a request where it lies; a malformed one is refused with 2. */
    static Request decodeRequest(ByteBuffer payload, String nodeName) {
        WireRequest r;
        try {
            r = REQUEST.decode(payload);
        } catch (CodecException e) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "malformed request: " + e.getMessage());
        }
        if (r.kind() < OPEN || r.kind() > CLOSE) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "malformed request: kind " + r.kind());
        }
        if (r.deadline() < 0) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "malformed request: deadline " + r.deadline());
        }
        if (r.syncDepth() < 0 || r.syncDepth() > org.openpair.guardian.Guardian.MAX_SYNC_DEPTH) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "malformed request: sync depth "
                    + r.syncDepth());
        }
        ProcessHandle opener = null;
        if (r.openerCpu() != -1) {
            try {
                opener = new ProcessHandle(nodeName, r.openerCpu(), r.openerPin(), r.openerVerifier());
            } catch (IllegalArgumentException e) {
                throw new GuardianException(GuardianError.INVALID_OPERATION, "malformed request: opener " + e.getMessage());
            }
        }
        return new Request(r.kind(), r.pin(), r.verifier(), r.syncDepth(), opener, r.deadline(), r.data());
    }

    static ByteBuffer ok(byte[] reply) {
        return new Encoder(REPLY_HEADER + reply.length).value(REPLY, new Reply(0, reply)).toByteBuffer();
    }

    static ByteBuffer error(GuardianError error, String message) {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        return new Encoder(REPLY_HEADER + text.length).value(REPLY, new Reply(error.number(), text)).toByteBuffer();
    }

    /** A reply payload read; null for a malformed one. */
    static Reply reply(byte[] payload) {
        try {
            return REPLY.decode(payload);
        } catch (CodecException e) {
            return null;
        }
    }

    /** The status of a reply payload: 0 or a Guardian error number; -1 for a malformed one. */
    static int status(byte[] reply) {
        Reply r = reply(reply);
        return r == null ? -1 : r.status();
    }

    /** The reply's bytes; empty for a malformed one. */
    static byte[] body(byte[] reply) {
        Reply r = reply(reply);
        return r == null ? new byte[0] : r.body();
    }

    /** The refusal's message; "malformed reply" for a malformed one. */
    static String message(byte[] reply) {
        Reply r = reply(reply);
        return r == null ? "malformed reply" : r.message();
    }
}
