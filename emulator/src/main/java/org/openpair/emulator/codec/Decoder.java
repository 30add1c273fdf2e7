package org.openpair.emulator.codec;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads what an {@link Encoder} wrote, checking every length against the bytes that are left
 * before it allocates anything, so a bad length is an error and never a huge array. Every
 * failure is a {@link CodecException} naming the type being read and the offset.
 */
public final class Decoder {
    /** Read by absolute index only: the caller's buffer keeps its position and limit. */
    private final ByteBuffer buf;
    private final int end;
    private int pos;
    /** The type being read, for error messages. */
    private String reading = "value";

    public Decoder(byte[] bytes, int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > bytes.length) {
            throw new IllegalArgumentException("bytes " + offset + "+" + length + " of " + bytes.length);
        }
        this.buf = ByteBuffer.wrap(bytes);
        this.pos = offset;
        this.end = offset + length;
    }

    /**
     * Reads the bytes between {@code view}'s position and limit where they are (a link frame in
     * a direct buffer, say), without copying them first; offsets in errors are indexes in
     * {@code view}.
     */
    public Decoder(ByteBuffer view) {
        this.buf = view.duplicate().order(java.nio.ByteOrder.BIG_ENDIAN);
        this.pos = view.position();
        this.end = view.limit();
    }

    public int i8() {
        need(1, "a byte");
        return buf.get(pos++);
    }

    public boolean bool() {
        int b = i8();
        if (b != 0 && b != 1) {
            throw bad("a boolean is 0 or 1, found " + b, pos - 1);
        }
        return b == 1;
    }

    public int i32() {
        need(4, "an int");
        int v = buf.getInt(pos);
        pos += 4;
        return v;
    }

    public long i64() {
        need(8, "a long");
        long v = buf.getLong(pos);
        pos += 8;
        return v;
    }

    /** A string, strict UTF-8: a malformed sequence is an error, not a replacement character. */
    public String str() {
        int at = pos;
        int n = length("a string");
        // In place when the bytes are in an array; a direct buffer's are copied out once.
        byte[] raw;
        int from;
        if (buf.hasArray()) {
            raw = buf.array();
            from = buf.arrayOffset() + pos;
        } else {
            raw = new byte[n];
            buf.get(pos, raw);
            from = 0;
        }
        boolean ascii = true;
        for (int i = from; i < from + n; i++) {
            if (raw[i] < 0) {
                ascii = false;
                break;
            }
        }
        String s;
        if (ascii) {
            s = new String(raw, from, n, StandardCharsets.ISO_8859_1);
        } else {
            try {
                s = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(raw, from, n)).toString();
            } catch (CharacterCodingException e) {
                throw bad("a string of " + n + " bytes is not UTF-8", at);
            }
        }
        pos += n;
        return s;
    }

    public String optStr() {
        return bool() ? str() : null;
    }

    public byte[] bytes() {
        int n = length("a byte array");
        byte[] b = new byte[n];
        buf.get(pos, b);
        pos += n;
        return b;
    }

    public Instant instant() {
        int at = pos;
        long seconds = i64();
        int nanos = i32();
        if (nanos < 0 || nanos > 999_999_999) {
            throw bad("an instant's nanoseconds are 0-999999999, found " + nanos, at);
        }
        try {
            return Instant.ofEpochSecond(seconds, nanos);
        } catch (DateTimeException e) {
            throw bad("an instant " + seconds + " s from the epoch is out of range", at);
        }
    }

    public Instant optInstant() {
        return bool() ? instant() : null;
    }

    public <E extends Enum<E>> E constant(EnumCode<E> code) {
        int at = pos;
        int c = i32();
        E value = code.valueOf(c);
        if (value == null) {
            throw bad("unknown " + code.name() + " code " + c, at);
        }
        return value;
    }

    /**
     * A value with {@code codec}'s fields. A value its own constructor refuses (a CPU of 99, an
     * empty class name) is bad input like any other.
     */
    public <T> T value(Codec<T> codec) {
        String outer = reading;
        reading = codec.name();
        int at = pos;
        try {
            return codec.readFields(this);
        } catch (CodecException e) {
            throw e;
        } catch (RuntimeException e) {
            throw bad(codec.name() + " refused its fields: " + e.getMessage(), at);
        } finally {
            reading = outer;
        }
    }

    public <T> T optional(Codec<T> codec) {
        return bool() ? value(codec) : null;
    }

    /** A list; every element takes at least one byte, so a count past the bytes left is refused at once. */
    public <T> List<T> list(Codec<T> codec) {
        int n = count(codec, null);
        List<T> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(value(codec));
        }
        return list;
    }

    /** A map in the order it was written. */
    public <K, V> LinkedHashMap<K, V> map(Codec<K> keys, Codec<V> values) {
        int at = pos;
        int n = count(keys, values);
        LinkedHashMap<K, V> map = new LinkedHashMap<>(Math.max(4, n * 2));
        for (int i = 0; i < n; i++) {
            K k = value(keys);
            V v = value(values);
            if (map.put(k, v) != null) {
                throw bad("a map holds the key " + k + " twice", at);
            }
        }
        return map;
    }

    /** Fails unless every byte was read: bytes left over mean writer and reader disagree. */
    public void end(String what) {
        if (pos != end) {
            throw new CodecException(what + ": " + (end - pos) + " byte(s) left over after the value, at offset "
                    + pos);
        }
    }

    CodecException bad(String what, int at) {
        return new CodecException("bad " + reading + " at offset " + at + ": " + what);
    }

    private void need(int n, String what) {
        if (end - pos < n) {
            throw new CodecException("truncated " + reading + ": " + what + " needs " + n + " byte(s) at offset " + pos
                    + ", " + (end - pos) + " left");
        }
    }

    private int length(String what) {
        int at = pos;
        int n = i32();
        if (n < 0 || n > end - pos) {
            throw bad(what + " of length " + n + " with " + (end - pos) + " byte(s) left", at);
        }
        return n;
    }

    /**
     * The element count of a list of {@code elements} or, with {@code values}, of a map; the
     * message of a bad count is only put together when there is one (this runs for every list read).
     */
    private int count(Codec<?> elements, Codec<?> values) {
        int at = pos;
        int n = i32();
        if (n < 0 || n > end - pos) {
            String what = values == null ? "a list of " + elements.name()
                    : "a map of " + elements.name() + " to " + values.name();
            throw bad(what + " of " + n + " element(s) with " + (end - pos) + " byte(s) left", at);
        }
        return n;
    }
}
