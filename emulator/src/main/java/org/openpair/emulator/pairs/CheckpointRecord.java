package org.openpair.emulator.pairs;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The payload of one checkpoint: the program's own bytes, or a change of the checkpointed
 * key-value state (one key, or the whole state for a new backup). The first byte says which.
 */
final class CheckpointRecord {
    static final byte USER = 0;
    static final byte PUT = 1;
    static final byte REMOVE = 2;
    static final byte SNAPSHOT = 3;
    /**
     * A reply with the state change it made: open, sync ID, depth, reply, then the change as a
     * record of its own (USER or PUT), or nothing.
     */
    static final byte REPLY = 4;
    /** The whole {@link SavedReplies} memory, for a new backup. */
    static final byte SAVED_REPLIES = 5;
    /** An open was closed: its saved replies go. */
    static final byte CLOSE_OPEN = 6;
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

    static byte[] snapshot(Map<String, String> state) {
        return encode(SNAPSHOT, state);
    }

    private static byte[] encode(byte type, Map<String, String> entries) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(type);
            out.writeInt(entries.size());
            for (var e : entries.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeUTF(e.getValue());
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
                entries.put(in.readUTF(), in.readUTF());
            }
            return entries;
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt state checkpoint", e);
        }
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

    static byte[] savedReplies(byte[] snapshot) {
        byte[] out = new byte[snapshot.length + 1];
        out[0] = SAVED_REPLIES;
        System.arraycopy(snapshot, 0, out, 1, snapshot.length);
        return out;
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
