package org.openpair.emulator.codec;

import java.util.Objects;

/**
 * How one type crosses a process boundary: its stable type id, and its fields in a fixed order.
 * A codec is written as its record reads, writer and reader side by side:
 * {@snippet :
 * Codec.of(101, ProcessHandle.class,
 *         (out, h) -> out.str(h.node()).i32(h.cpu()).i32(h.pin()).i64(h.verifier()),
 *         in -> new ProcessHandle(in.str(), in.i32(), in.i32(), in.i64()));
 * }
 * (Java evaluates arguments left to right, so the reader reads the fields in the order written.)
 * A value the type's own constructor refuses is bad input, reported as a {@link CodecException}.
 *
 * <p>Type ids never change meaning once released: a changed layout gets a new id. The blocks
 * are listed in {@code package-info}.
 *
 * @param <T> the type
 */
public final class Codec<T> {
    /** Writes the fields of a value. */
    @FunctionalInterface
    public interface Writer<T> {
        void write(Encoder out, T value);
    }

    /** Reads the fields of a value, in the order its writer wrote them. */
    @FunctionalInterface
    public interface Reader<T> {
        T read(Decoder in);
    }

    private final int id;
    private final Class<T> type;
    private final Writer<T> writer;
    private final Reader<T> reader;
    /** The type's simple name, looked up once: every decoded value names its type for errors. */
    private final String name;
    private boolean union;

    private Codec(int id, Class<T> type, Writer<T> writer, Reader<T> reader) {
        if (id <= 0) {
            throw new IllegalArgumentException("type ids are positive: " + id + " for " + type.getName());
        }
        this.id = id;
        this.type = Objects.requireNonNull(type, "type");
        this.writer = Objects.requireNonNull(writer, "writer");
        this.reader = Objects.requireNonNull(reader, "reader");
        this.name = type.getSimpleName();
    }

    public static <T> Codec<T> of(int id, Class<T> type, Writer<T> writer, Reader<T> reader) {
        return new Codec<>(id, type, writer, reader);
    }

    /** For generic types, whose class literal is raw. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static <T> Codec<T> ofRaw(int id, Class<?> rawType, Writer<T> writer, Reader<T> reader) {
        return new Codec<>(id, (Class) rawType, writer, reader);
    }

    public int id() {
        return id;
    }

    public Class<T> type() {
        return type;
    }

    /**
     * Whether this is a family ({@link Union}): its type is what the members share, never a
     * value's own class, so the engine never looks a value up by it.
     */
    public boolean isUnion() {
        return union;
    }

    Codec<T> markUnion() {
        union = true;
        return this;
    }

    /** The type's simple name, as error messages name it. */
    public String name() {
        return name;
    }

    /** The value's fields alone (its type is known to the reader), as a fresh array. */
    public byte[] encode(T value) {
        Encoder out = new Encoder();
        out.value(this, value);
        return out.toByteArray();
    }

    /**
     * The same bytes as {@link #encode}, as a buffer over the encoder's own array: for a caller
     * that copies them on at once (into an engine's output), which saves {@link #encode}'s copy.
     */
    public java.nio.ByteBuffer encodeView(T value) {
        Encoder out = new Encoder();
        out.value(this, value);
        return out.toByteBuffer();
    }

    /** A value from {@link #encode}'s bytes, all of which it must use. */
    public T decode(byte[] bytes) {
        Decoder in = new Decoder(bytes, 0, bytes.length);
        T value = in.value(this);
        in.end(name());
        return value;
    }

    /** A value from the bytes between {@code view}'s position and limit, all of which it must use; read in place. */
    public T decode(java.nio.ByteBuffer view) {
        Decoder in = new Decoder(view);
        T value = in.value(this);
        in.end(name());
        return value;
    }

    void writeFields(Encoder out, T value) {
        writer.write(out, value);
    }

    T readFields(Decoder in) {
        return reader.read(in);
    }

    @Override
    public String toString() {
        return name() + "#" + id;
    }
}
