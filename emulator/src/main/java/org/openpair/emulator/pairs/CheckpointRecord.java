package org.openpair.emulator.pairs;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.openpair.emulator.codec.GuardianCodecs;

/**
 * The payload of one checkpoint: the program's own bytes, or a change of the checkpointed
 * key-value state, a reply with its change, or a part of a new backup's state transfer. The first byte says which.
 */
final class CheckpointRecord {
    static final byte USER = 0;
    static final byte PUT = 1;
    static final byte REMOVE = 2;
    /**
     * A reply with the state change it made: open, sync ID, depth, reply, then the change as a
     * record of its own (USER or PUT), or nothing.
     */
    static final byte REPLY = 4;
    /** An open was closed: its saved replies go. */
    static final byte CLOSE_OPEN = 6;
    /** A new backup's state transfer (see {@link StateTransfer}): its start, with what it will send. */
    static final byte TRANSFER_BEGIN = 7;
    /** A chunk of the key-value state. */
    static final byte TRANSFER_STATE = 8;
    /** A chunk of the saved replies. */
    static final byte TRANSFER_REPLIES = 9;
    /** The end: counts and CRC-32s to verify, and the pair's restart policy. */
    static final byte TRANSFER_END = 10;
    /** The pair's restart policy, to the member that may become primary (sent after a switch). */
    static final byte POLICY = 11;
    /** Bytes of a REPLY record before the reply itself. */
    static final int REPLY_HEADER = 1 + 8 + 8 + 4 + 4;

    private CheckpointRecord() {
    }

    static byte[] user(byte[] data) {
        byte[] out = new byte[data.length + 1];
        out[0] = USER;
        System.arraycopy(data, 0, out, 1, data.length);
        return out;
    }

    static byte[] put(String key, String value) {
        return encode(PUT, Map.of(key, value));
    }

    static byte[] putAll(Map<String, String> entries) {
        return encode(PUT, entries);
    }

    static byte[] remove(String key) {
        return encode(REMOVE, Map.of(key, ""));
    }

    private static byte[] encode(byte type, Map<String, String> entries) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(type);
            out.writeInt(entries.size());
            for (var e : entries.entrySet()) {
                // Not writeUTF: it refuses strings over 64 KiB, and a value may be up to the checkpoint limit.
                writeString(out, e.getKey());
                writeString(out, e.getValue());
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, String> decodeEntries(byte[] record) {
        try {
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(record, 1, record.length - 1));
            int n = in.readInt();
            Map<String, String> entries = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                entries.put(readString(in), readString(in));
            }
            return entries;
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt state checkpoint", e);
        }
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("a string of " + n + " bytes where " + in.available() + " are left");
        }
        return new String(in.readNBytes(n), java.nio.charset.StandardCharsets.UTF_8);
    }

    static byte[] policy(org.openpair.guardian.RestartPolicy policy) {
        return java.nio.ByteBuffer.allocate(1 + 1 + 4 + 8).put(POLICY)
                .put((byte) GuardianCodecs.RESTART_TYPE.codeOf(policy.type()))
                .putInt(policy.maxRestarts()).putLong(policy.period().toMillis()).array();
    }

    static org.openpair.guardian.RestartPolicy decodePolicy(byte[] record) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(record, 1, record.length - 1);
        return new org.openpair.guardian.RestartPolicy(GuardianCodecs.RESTART_TYPE.constant(b.get()), b.getInt(),
                java.time.Duration.ofMillis(b.getLong()));
    }

    static byte[] reply(long openId, long syncId, int depth, byte[] reply, byte[] change) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(REPLY_HEADER + reply.length + change.length);
        b.put(REPLY).putLong(openId).putLong(syncId).putInt(depth).putInt(reply.length).put(reply).put(change);
        return b.array();
    }

    /** A decoded REPLY record; {@code change} is the state change's own record, or empty. */
    record Reply(long openId, long syncId, int depth, byte[] reply, byte[] change) {
    }

    static Reply decodeReply(byte[] record) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(record, 1, record.length - 1);
        long openId = b.getLong();
        long syncId = b.getLong();
        int depth = b.getInt();
        byte[] reply = new byte[b.getInt()];
        b.get(reply);
        byte[] change = new byte[b.remaining()];
        b.get(change);
        return new Reply(openId, syncId, depth, reply, change);
    }

    static byte[] closeOpen(long openId) {
        return java.nio.ByteBuffer.allocate(9).put(CLOSE_OPEN).putLong(openId).array();
    }

    /** The open a CLOSE_OPEN record closes. */
    static long closedOpen(byte[] record) {
        return java.nio.ByteBuffer.wrap(record, 1, 8).getLong();
    }

    static byte[] userBytes(byte[] record) {
        return java.util.Arrays.copyOfRange(record, 1, record.length);
    }
}
