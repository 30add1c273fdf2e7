package org.openpair.emulator.codec;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A family of types behind one static type (the kinds of {@code Program}, of system message,
 * of CPU call): a member's type id, then its fields. The id comes from the member's own codec,
 * so a type has one id wherever it travels.
 */
public final class Union {
    private Union() {
    }

    /** The codec of {@code base}, whose values are exactly the given members' classes. */
    @SafeVarargs
    public static <T> Codec<T> of(int id, Class<T> base, Codec<? extends T>... members) {
        Map<Class<?>, Codec<? extends T>> byClass = new HashMap<>();
        Map<Integer, Codec<? extends T>> byId = new HashMap<>();
        for (Codec<? extends T> m : List.of(members)) {
            if (byId.put(m.id(), m) != null || byClass.put(m.type(), m) != null) {
                throw new IllegalStateException(base.getSimpleName() + " lists " + m
                        + " twice or two members share its id");
            }
        }
        return Codec.of(id, base, (out, v) -> write(out, base, byClass.get(v.getClass()), v), in -> {
            int memberId = in.i32();
            Codec<? extends T> m = byId.get(memberId);
            if (m == null) {
                throw new CodecException("unknown " + base.getSimpleName() + " type id " + memberId + " (known: "
                        + new java.util.TreeSet<>(byId.keySet()) + ")");
            }
            return in.value(m);
        }).markUnion();
    }

    @SuppressWarnings("unchecked")
    private static <T, M extends T> void write(Encoder out, Class<T> base, Codec<M> member, T v) {
        if (member == null) {
            throw new CodecException("no " + base.getSimpleName() + " codec for " + v.getClass().getName());
        }
        out.i32(member.id());
        out.value(member, (M) v);
    }
}
