package org.openpair.emulator.codec;

import java.util.HashMap;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * The wire code of each constant of an enum. Ordinals change when someone reorders or inserts a
 * constant, so they never travel: each enum's codes are given explicitly, as a switch over the
 * constants (which the compiler makes cover them all) or as the enum's own number (a signal's).
 * Two constants with one code are refused when the table is made.
 */
public final class EnumCode<E extends Enum<E>> {
    private final Class<E> type;
    private final int[] codes;
    private final Map<Integer, E> byCode = new HashMap<>();

    private EnumCode(Class<E> type, ToIntFunction<E> code) {
        this.type = type;
        E[] all = type.getEnumConstants();
        this.codes = new int[all.length];
        for (E e : all) {
            int c = code.applyAsInt(e);
            E clash = byCode.put(c, e);
            if (clash != null) {
                throw new IllegalStateException(type.getSimpleName() + "." + clash + " and ." + e
                        + " share wire code " + c);
            }
            codes[e.ordinal()] = c;
        }
    }

    public static <E extends Enum<E>> EnumCode<E> of(Class<E> type, ToIntFunction<E> code) {
        return new EnumCode<>(type, code);
    }

    /** The wire code of {@code value}, for a record that is not written by an {@link Encoder}. */
    public int codeOf(E value) {
        if (value == null) {
            throw new CodecException("a " + name() + " that must be present is null");
        }
        return codes[value.ordinal()];
    }

    /** The constant with that code, or null. */
    E valueOf(int code) {
        return byCode.get(code);
    }

    /**
     * The constant with that code, for a record that is not read by a {@link Decoder}: an
     * unknown code is bad input, never a default or an array index out of bounds.
     */
    public E constant(int code) {
        E value = byCode.get(code);
        if (value == null) {
            throw new CodecException("unknown " + name() + " code " + code);
        }
        return value;
    }

    /** A codec of the constant alone, for a call whose answer is one. */
    public Codec<E> codec(int id) {
        return Codec.of(id, type, (out, v) -> out.constant(this, v), in -> in.constant(this));
    }

    /** The type as its code names it, a nested one with its owner ({@code RestartPolicy.Type}). */
    String name() {
        return type.getName().substring(type.getPackageName().length() + 1).replace('$', '.');
    }
}
