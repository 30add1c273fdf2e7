package org.openpair.emulator.codec;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;

/**
 * Writes values into a growing byte array, big-endian: fixed-size numbers, strings as UTF-8
 * with their byte length first, optional values behind a presence byte, collections behind
 * their size, enums by their {@link EnumCode}, never by ordinal. Its counterpart is
 * {@link Decoder}; what one writes the other reads in the same order.
 */
public final class Encoder {
    private byte[] buf;
    private int size;

    public Encoder() {
        this(64);
    }

    /** An encoder whose first buffer holds {@code capacity} bytes: a caller that knows the size saves the regrowth. */
    public Encoder(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        this.buf = new byte[capacity];
    }

    public Encoder i8(int v) {
        ensure(1);
        buf[size++] = (byte) v;
        return this;
    }

    public Encoder bool(boolean v) {
        return i8(v ? 1 : 0);
    }

    public Encoder i32(int v) {
        ensure(4);
        buf[size] = (byte) (v >>> 24);
        buf[size + 1] = (byte) (v >>> 16);
        buf[size + 2] = (byte) (v >>> 8);
        buf[size + 3] = (byte) v;
        size += 4;
        return this;
    }

    public Encoder i64(long v) {
        return i32((int) (v >>> 32)).i32((int) v);
    }

    /**
     * A non-null string. A lone UTF-16 surrogate has no UTF-8 form: it is refused rather than
     * written as '?', which would hand the reader a different string than the one sent.
     */
    public Encoder str(String s) {
        if (s == null) {
            throw new CodecException("a string that must be present is null");
        }
        checkSurrogates(s);
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        return bytes(utf8);
    }

    public Encoder optStr(String s) {
        bool(s != null);
        return s == null ? this : str(s);
    }

    /** A non-null byte array, its length first. */
    public Encoder bytes(byte[] b) {
        if (b == null) {
            throw new CodecException("a byte array that must be present is null");
        }
        i32(b.length);
        ensure(b.length);
        System.arraycopy(b, 0, buf, size, b.length);
        size += b.length;
        return this;
    }

    /** Seconds and nanoseconds, so every Instant round-trips exactly. */
    public Encoder instant(Instant t) {
        if (t == null) {
            throw new CodecException("an instant that must be present is null");
        }
        return i64(t.getEpochSecond()).i32(t.getNano());
    }

    public Encoder optInstant(Instant t) {
        bool(t != null);
        return t == null ? this : instant(t);
    }

    public <E extends Enum<E>> Encoder constant(EnumCode<E> code, E value) {
        return i32(code.codeOf(value));
    }

    /** A value that must be present, with {@code codec}'s fields. */
    public <T> Encoder value(Codec<T> codec, T v) {
        if (v == null) {
            throw new CodecException("a " + codec.name() + " that must be present is null");
        }
        codec.writeFields(this, v);
        return this;
    }

    /** A value or null, behind a presence byte. */
    public <T> Encoder optional(Codec<T> codec, T v) {
        bool(v != null);
        return v == null ? this : value(codec, v);
    }

    /** The elements in iteration order, none of them null. */
    public <T> Encoder collection(Codec<T> codec, Collection<T> c) {
        if (c == null) {
            throw new CodecException("a collection of " + codec.name() + " that must be present is null");
        }
        i32(c.size());
        for (T v : c) {
            value(codec, v);
        }
        return this;
    }

    /** The entries in iteration order (which a LinkedHashMap's reader keeps), no key or value null. */
    public <K, V> Encoder map(Codec<K> keys, Codec<V> values, Map<K, V> m) {
        if (m == null) {
            throw new CodecException("a map of " + keys.name() + " to " + values.name()
                    + " that must be present is null");
        }
        i32(m.size());
        for (Map.Entry<K, V> e : m.entrySet()) {
            value(keys, e.getKey());
            value(values, e.getValue());
        }
        return this;
    }

    /**
     * What was written. When the encoder was sized exactly ({@link #Encoder(int)}), its own array,
     * not a copy: any later write regrows into a new array, so the one returned never changes.
     */
    public byte[] toByteArray() {
        return size == buf.length ? buf : Arrays.copyOf(buf, size);
    }

    /** What was written, as a buffer over this encoder's own array (no copy); the encoder is done with. */
    public java.nio.ByteBuffer toByteBuffer() {
        return java.nio.ByteBuffer.wrap(buf, 0, size);
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            long wanted = Math.max(Math.max((long) buf.length * 2, 16L), (long) size + more);
            if (wanted > Integer.MAX_VALUE - 8) {
                throw new CodecException("an encoding past " + (Integer.MAX_VALUE - 8) + " bytes");
            }
            buf = Arrays.copyOf(buf, (int) wanted);
        }
    }

    private static void checkSurrogates(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new CodecException("a string with a lone UTF-16 surrogate at index " + i + " has no UTF-8 form");
            }
        }
    }
}
