package org.openpair.guardian;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The named, typed fields of a {@link SharedSegment}: what a C program would declare as the
 * struct it maps. A layout is fixed when the segment is created and recorded in it, so every
 * process reads a field at the same place, and a process that opens the segment with another
 * layout is refused rather than left to read one field as another.
 *
 * <p>Fields lie in declaration order, each at its natural alignment (4 for {@code int32} and
 * {@code string}, 8 for {@code int64}, 1 for {@code bytes}), as a C compiler places them.
 *
 * {@snippet :
 * import org.openpair.guardian.SegmentLayout.Field;
 *
 * SegmentLayout counters = SegmentLayout.of(Field.int64("a"), Field.int64("b"), Field.string("last", 48));
 * }
 */
public final class SegmentLayout {
    /** Most fields in one layout. */
    public static final int MAX_FIELDS = 64;
    /** Largest {@code bytes} or {@code string} field, in bytes. */
    public static final int MAX_FIELD_BYTES = 65536;
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,31}");

    /** A field's type: the small set a shared struct needs. */
    public enum Type {
        /** A 32-bit signed integer: {@code int32_t}. */
        INT32,
        /** A 64-bit signed integer: {@code int64_t}. */
        INT64,
        /** A fixed number of bytes: {@code char[n]} used as raw bytes. */
        BYTES,
        /** Text of at most {@code n} UTF-8 bytes, stored with its length. */
        STRING
    }

    /**
     * One named field.
     *
     * @param name   1-32 letters, digits and underscores, not starting with a digit
     * @param type   its type
     * @param length its size in bytes: 4 or 8 for the integers, {@code n} for bytes and string
     */
    public record Field(String name, Type type, int length) {
        public Field {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
            if (!NAME.matcher(name).matches()) {
                throw new GuardianException(GuardianError.BAD_NAME, "a field name is 1-32 letters, digits or '_', "
                        + "not starting with a digit: '" + name + "'");
            }
            int fixed = type == Type.INT32 ? 4 : type == Type.INT64 ? 8 : -1;
            if (fixed > 0 && length != fixed) {
                throw new GuardianException(GuardianError.INVALID_OPERATION, "field " + name + ": an "
                        + type.name().toLowerCase() + " is " + fixed + " bytes, not " + length);
            }
            if (fixed < 0 && (length < 1 || length > MAX_FIELD_BYTES)) {
                throw new GuardianException(GuardianError.INVALID_OPERATION, "field " + name + ": a "
                        + type.name().toLowerCase() + " field holds 1-" + MAX_FIELD_BYTES + " bytes, not " + length);
            }
        }

        /** A 32-bit integer field. */
        public static Field int32(String name) {
            return new Field(name, Type.INT32, 4);
        }

        /** A 64-bit integer field. */
        public static Field int64(String name) {
            return new Field(name, Type.INT64, 8);
        }

        /** A field of exactly {@code n} bytes; shorter writes are padded with zeros. */
        public static Field bytes(String name, int n) {
            return new Field(name, Type.BYTES, n);
        }

        /** A text field of at most {@code maxUtf8Bytes} bytes once encoded in UTF-8. */
        public static Field string(String name, int maxUtf8Bytes) {
            return new Field(name, Type.STRING, maxUtf8Bytes);
        }

        /** {@code name:int64}, {@code name:bytes[64]}: the field as the layout records it. */
        String descriptor() {
            String t = type.name().toLowerCase();
            return name + ":" + (type == Type.BYTES || type == Type.STRING ? t + "[" + length + "]" : t);
        }

        int alignment() {
            return switch (type) {
                case INT32, STRING -> 4;
                case INT64 -> 8;
                case BYTES -> 1;
            };
        }

        /** Bytes the field takes in the segment: a string's 4-byte length comes first. */
        int footprint() {
            return type == Type.STRING ? 4 + length : length;
        }
    }

    private final List<Field> fields;
    private final Map<String, Integer> offsets;
    private final int size;

    private SegmentLayout(List<Field> fields) {
        this.fields = List.copyOf(fields);
        Map<String, Integer> at = new LinkedHashMap<>();
        int next = 0;
        for (Field f : this.fields) {
            next = (next + f.alignment() - 1) / f.alignment() * f.alignment();
            at.put(f.name(), next);
            next += f.footprint();
        }
        this.offsets = Collections.unmodifiableMap(at);
        this.size = (next + 7) / 8 * 8;
    }

    /**
     * A layout of {@code fields}, in this order.
     *
     * @throws GuardianException 2 no field, more than {@value #MAX_FIELDS}, or two with one name
     */
    public static SegmentLayout of(Field... fields) {
        Objects.requireNonNull(fields, "fields");
        if (fields.length == 0 || fields.length > MAX_FIELDS) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "a layout has 1-" + MAX_FIELDS + " fields, not "
                    + fields.length);
        }
        List<Field> list = new ArrayList<>();
        for (Field f : fields) {
            Objects.requireNonNull(f, "field");
            if (list.stream().anyMatch(g -> g.name().equals(f.name()))) {
                throw new GuardianException(GuardianError.INVALID_OPERATION, "the layout names field " + f.name()
                        + " twice");
            }
            list.add(f);
        }
        return new SegmentLayout(list);
    }

    /** The fields, in order. */
    public List<Field> fields() {
        return fields;
    }

    /** The field called {@code name}, if the layout has one. */
    public Optional<Field> field(String name) {
        return fields.stream().filter(f -> f.name().equals(name)).findFirst();
    }

    /**
     * Where field {@code name} starts in the segment's data, in bytes.
     *
     * @throws GuardianException 11 the layout has no such field
     */
    public int offset(String name) {
        Integer at = offsets.get(name);
        if (at == null) {
            throw new GuardianException(GuardianError.NOT_FOUND, "the layout " + this + " has no field '" + name + "'");
        }
        return at;
    }

    /** Bytes of data the fields take, rounded up to a multiple of 8. */
    public int size() {
        return size;
    }

    /**
     * The layout as the segment records it and as a refusal names it:
     * {@code a:int64,b:int64,note:bytes[64]}. Two layouts are equal when their descriptors are.
     */
    public String descriptor() {
        StringBuilder b = new StringBuilder();
        for (Field f : fields) {
            b.append(b.length() == 0 ? "" : ",").append(f.descriptor());
        }
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SegmentLayout l && l.fields.equals(fields);
    }

    @Override
    public int hashCode() {
        return fields.hashCode();
    }

    @Override
    public String toString() {
        return "[" + descriptor() + "]";
    }
}
