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

    static byte[] userBytes(byte[] record) {
        return java.util.Arrays.copyOfRange(record, 1, record.length);
    }
}
