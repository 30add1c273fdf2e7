package org.openpair.emulator.codec;

/** Codecs of the JDK's plain values, for the places that hold them as elements or results (ids 1-99). */
public final class Scalars {
    public static final Codec<Boolean> BOOLEAN = Codec.of(1, Boolean.class, Encoder::bool, Decoder::bool);
    public static final Codec<Integer> INT = Codec.of(2, Integer.class, Encoder::i32, Decoder::i32);
    public static final Codec<Long> LONG = Codec.of(3, Long.class, Encoder::i64, Decoder::i64);
    public static final Codec<String> STRING = Codec.of(4, String.class, Encoder::str, Decoder::str);
    public static final Codec<byte[]> BYTES = Codec.of(5, byte[].class, Encoder::bytes, Decoder::bytes);

    private Scalars() {
    }
}
