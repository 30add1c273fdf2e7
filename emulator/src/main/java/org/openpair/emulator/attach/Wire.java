package org.openpair.emulator.attach;

import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.openpair.emulator.codec.CodecException;
import org.openpair.emulator.codec.EnumCode;

/**
 * Payload encoding on the attach socket. What the child sends is plain fields (integers,
 * length-prefixed UTF-8 strings and byte arrays), every read checked against what is left, so
 * the CPU decodes nothing it did not bound. The API records in results go field by field too
 * ({@link ApiCodec}): no Java serialization in either direction.
 */
final class Wire {
    /** Collections from the child: far more than any real call needs, far less than memory. */
    static final int MAX_ITEMS = 65_536;

    private Wire() {
    }

    /** Builds a payload. */
    static final class Out {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Out i8(int v) {
            bytes.write(v);
            return this;
        }

        Out bool(boolean v) {
            return i8(v ? 1 : 0);
        }

        Out i32(int v) {
            bytes.write(v >>> 24);
            bytes.write(v >>> 16);
            bytes.write(v >>> 8);
            bytes.write(v);
            return this;
        }

        Out i64(long v) {
            i32((int) (v >>> 32));
            return i32((int) v);
        }

        Out bytes(byte[] v) {
            i32(v.length);
            bytes.writeBytes(v);
            return this;
        }

        /** Appends another payload's fields as they are. */
        Out raw(Wire.Out v) {
            bytes.writeBytes(v.toBytes());
            return this;
        }

        Out str(String v) {
            return bytes(v.getBytes(StandardCharsets.UTF_8));
        }

        Out optStr(String v) {
            bool(v != null);
            return v == null ? this : str(v);
        }

        Out strs(List<String> v) {
            i32(v.size());
            v.forEach(this::str);
            return this;
        }

        /** An enum by its explicit code, never its ordinal, which moves when a constant is added. */
        <E extends Enum<E>> Out constant(EnumCode<E> code, E v) {
            return i32(code.codeOf(v));
        }

        /** An enum or null, behind a presence byte. */
        <E extends Enum<E>> Out optConstant(EnumCode<E> code, E v) {
            bool(v != null);
            return v == null ? this : constant(code, v);
        }

        Out map(Map<String, String> v) {
            i32(v.size());
            v.forEach((k, x) -> str(k).str(x));
            return this;
        }

        byte[] toBytes() {
            return bytes.toByteArray();
        }
    }

    /** Reads a payload; every shortfall is a protocol error, never an exception of the JDK's. */
    static final class In {
        private final ByteBuffer b;

        In(ByteBuffer b) {
            this.b = b;
        }

        int i8() throws AttachProtocolException {
            try {
                return b.get();
            } catch (BufferUnderflowException e) {
                throw truncated();
            }
        }

        boolean bool() throws AttachProtocolException {
            int v = i8();
            if (v != 0 && v != 1) {
                throw new AttachProtocolException("boolean field holds " + v);
            }
            return v == 1;
        }

        int i32() throws AttachProtocolException {
            try {
                return b.getInt();
            } catch (BufferUnderflowException e) {
                throw truncated();
            }
        }

        long i64() throws AttachProtocolException {
            try {
                return b.getLong();
            } catch (BufferUnderflowException e) {
                throw truncated();
            }
        }

        byte[] bytes() throws AttachProtocolException {
            int n = i32();
            if (n < 0 || n > b.remaining()) {
                throw new AttachProtocolException("field of " + n + " bytes with " + b.remaining() + " left in the frame");
            }
            byte[] v = new byte[n];
            b.get(v);
            return v;
        }

        String str() throws AttachProtocolException {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        String optStr() throws AttachProtocolException {
            return bool() ? str() : null;
        }

        /** An enum by its code; a code no constant has is a protocol error. */
        <E extends Enum<E>> E constant(EnumCode<E> code) throws AttachProtocolException {
            int c = i32();
            try {
                return code.constant(c);
            } catch (CodecException e) {
                throw new AttachProtocolException(e.getMessage());
            }
        }

        <E extends Enum<E>> E optConstant(EnumCode<E> code) throws AttachProtocolException {
            return bool() ? constant(code) : null;
        }

        List<String> strs() throws AttachProtocolException {
            int n = count();
            List<String> v = new ArrayList<>(Math.min(n, 64));
            for (int i = 0; i < n; i++) {
                v.add(str());
            }
            return v;
        }

        Map<String, String> map() throws AttachProtocolException {
            int n = count();
            Map<String, String> v = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                v.put(str(), str());
            }
            return v;
        }

        private int count() throws AttachProtocolException {
            int n = i32();
            // Each item takes at least 4 bytes: a count beyond that cannot be honest.
            if (n < 0 || n > MAX_ITEMS || (long) n * 4 > b.remaining()) {
                throw new AttachProtocolException("collection of " + n + " items with " + b.remaining() + " bytes left");
            }
            return n;
        }

        /** Refuses trailing bytes: a frame means exactly what its fields say. */
        void end() throws AttachProtocolException {
            if (b.hasRemaining()) {
                throw new AttachProtocolException(b.remaining() + " unexpected bytes after the last field");
            }
        }

        private static AttachProtocolException truncated() {
            return new AttachProtocolException("frame ends before its last field");
        }
    }
}
