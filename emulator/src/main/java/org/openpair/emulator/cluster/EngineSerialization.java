package org.openpair.emulator.cluster;

import java.util.ArrayList;
import java.util.List;

import com.hazelcast.config.JavaSerializationFilterConfig;
import com.hazelcast.config.SerializationConfig;
import com.hazelcast.config.SerializerConfig;

import org.openpair.emulator.codec.Codec;

/**
 * Everything of ours that crosses the engine goes through the runtime's codec: one
 * {@link CodecSerializer} per type, on every member and every client alike (both configurations
 * come from {@link EngineConfigs}, which applies this).
 *
 * <p>And nothing of ours may go any other way. Left to itself the engine would fall back on Java
 * serialization for a {@code Serializable} type (an entry processor is one by its interface),
 * or on reflective "zero-config" Compact serialization for any other class, and a type someone
 * forgot to give a codec would travel silently in a format nobody chose. Both fallbacks refuse
 * our packages here:
 * <ul>
 * <li>Java deserialization runs through a class filter with the engine's default allow list
 *     (its own classes, the JDK's, arrays) and {@value #OURS} on the block list, so a class of
 *     ours in a Java-serialized stream fails where it is read, naming the class. Being the
 *     product's own configuration, it also shuts out deserialization gadgets from any library on
 *     the class path. What it costs: an exception class of ours must never be the failure of a
 *     remote operation, since the caller could not read the error response and would wait for
 *     its timeout; the CPU tasks and the entry processors return refusals as data, and
 *     {@link CodecSerializer} keeps codec failures free of our classes.
 * <li>Reflective Compact serialization refuses {@value #OURS} where it would write, so a
 *     forgotten type fails at its sender.
 * </ul>
 * {@code EngineSerializationTest} shows a type left without a codec failing both ways, and
 * {@code NoJavaSerializationTest} runs spawns, takeovers, semaphores and CPU calls on members
 * and a client configured like the product.
 */
public final class EngineSerialization {
    /** The class-name prefix the engine's fallbacks refuse. */
    public static final String OURS = "org.openpair.";

    private EngineSerialization() {
    }

    /** The codecs of the engine package's own types (its probes), registered beside the runtime's. */
    public static List<Codec<?>> ownCodecs() {
        return List.of(SafetyProbe.CODEC, EchoTask.CODEC);
    }

    /**
     * Registers the runtime's codecs ({@code runtimeCodecs}, unions included: they are skipped)
     * and the engine package's own, and refuses the fallbacks, on a member's or a client's
     * configuration.
     */
    public static void applyTo(SerializationConfig config, List<Codec<?>> runtimeCodecs) {
        List<Codec<?>> all = new ArrayList<>(runtimeCodecs);
        all.addAll(ownCodecs());
        for (Codec<?> codec : all) {
            if (!codec.isUnion()) {
                config.addSerializerConfig(serializer(codec));
            }
        }
        config.addSerializerConfig(new SerializerConfig().setTypeClass(EngineUpdate.class)
                .setImplementation(new EngineUpdate.Serializer()));
        config.addSerializerConfig(new SerializerConfig().setTypeClass(EngineCall.class)
                .setImplementation(new EngineCall.Serializer()));
        JavaSerializationFilterConfig javaFilter = new JavaSerializationFilterConfig();
        javaFilter.getBlacklist().addPrefixes(OURS);
        config.setJavaSerializationFilterConfig(javaFilter);
        JavaSerializationFilterConfig reflectiveFilter = new JavaSerializationFilterConfig();
        reflectiveFilter.getBlacklist().addPrefixes(OURS);
        config.getCompactSerializationConfig().setZeroConfigFilter(reflectiveFilter);
    }

    private static <T> SerializerConfig serializer(Codec<T> codec) {
        return new SerializerConfig().setTypeClass(codec.type()).setImplementation(new CodecSerializer<>(codec));
    }
}
