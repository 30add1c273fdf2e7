package org.openpair.emulator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.nio.serialization.HazelcastSerializationException;
import com.hazelcast.spi.impl.SerializationServiceSupport;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.events.EventSamples;
import org.openpair.emulator.codec.Codec;
import org.openpair.emulator.cpu.NodeEngineSettings;
import org.openpair.emulator.codec.Samples;
import org.openpair.emulator.config.LoopbackPorts;
import org.openpair.emulator.semaphores.SemaphoreSamples;

/**
 * The engine, configured like the product, writes every type of ours with its codec (the stored
 * type id is the codec's, not Java serialization's or Compact's), and refuses a type of ours that
 * has no codec: one left on Java serialization where it is read, any other where it is written.
 */
class EngineSerializationTest {
    private static HazelcastInstance member;
    private static SerializationService engine;

    /** A type of ours left on Java serialization, as an entry processor is by its interface. */
    record Forgotten(String text) implements Serializable {
    }

    /** A type of ours without a codec, which Compact would otherwise write by reflection. */
    record Unregistered(String text) {
    }

    @BeforeAll
    static void start() {
        Config config = new Config();
        config.setClusterName("serialization-" + UUID.randomUUID());
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.getNetworkConfig().setPort(LoopbackPorts.block(1)).setPortAutoIncrement(false);
        config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
        config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
        EngineSerialization.applyTo(config.getSerializationConfig(), NodeEngineSettings.codecs());
        member = Hazelcast.newHazelcastInstance(config);
        engine = ((SerializationServiceSupport) member).getSerializationService();
    }

    @AfterAll
    static void stop() {
        if (member != null) {
            member.shutdown();
        }
    }

    private static List<Object> samples() {
        List<Object> all = new ArrayList<>(Samples.all());
        all.addAll(SemaphoreSamples.all());
        all.add(new SafetyProbe());
        all.add(new EchoTask(new byte[] {1, 2, 3}));
        all.add(new EchoTask(new byte[0]));
        all.addAll(EventSamples.kinds());
        all.addAll(EventSamples.records());
        all.addAll(EventSamples.callValues());
        return all;
    }

    @Test
    void everyTypeOfOurs_goesThroughItsCodec() {
        Map<Class<?>, Codec<?>> byType = new HashMap<>();
        for (Codec<?> c : allCodecs()) {
            if (!c.isUnion()) {
                byType.put(c.type(), c);
            }
        }
        for (Object v : samples()) {
            Codec<?> codec = byType.get(v.getClass());
            assertThat(codec).as("codec of " + v.getClass()).isNotNull();
            Data data = engine.toData(v);
            assertThat(data.getType()).as("type id the engine stored for " + v.getClass().getName()).isEqualTo(codec.id());
            Object back = engine.toObject(data);
            // The engine hands a task its member when it reads one: not a field that travels.
            assertThat(back).as(codec.toString()).usingRecursiveComparison().ignoringFields("hz", "member")
                    .isEqualTo(v);
        }
    }

    @Test
    void everyRegisteredType_hasASample() {
        Set<Class<?>> sampled = new HashSet<>();
        samples().forEach(v -> sampled.add(v.getClass()));
        for (Codec<?> c : allCodecs()) {
            if (!c.isUnion()) {
                assertThat(sampled).as("types with a sample").contains(c.type());
            }
        }
    }

    @Test
    void typeIds_areUnique() {
        Set<Integer> ids = new HashSet<>();
        for (Codec<?> c : allCodecs()) {
            assertThat(ids.add(c.id())).as("id of " + c + " is its own").isTrue();
        }
    }

    @Test
    void aTypeOfOursLeftOnJavaSerialization_isRefusedWhereItIsRead() {
        Data data = engine.toData(new Forgotten("x"));
        assertThatThrownBy(() -> engine.toObject(data))
                .isInstanceOf(HazelcastSerializationException.class)
                .hasRootCauseInstanceOf(SecurityException.class)
                .rootCause().hasMessage("Resolving class " + Forgotten.class.getName() + " is not allowed.");
    }

    @Test
    void aTypeOfOursWithoutACodec_isRefusedWhereItIsWritten() {
        assertThatThrownBy(() -> engine.toData(new Unregistered("x")))
                .isInstanceOf(HazelcastSerializationException.class)
                .hasMessageContaining(Unregistered.class.getName());
    }

    @Test
    void theJdksAndTheEnginesOwnClasses_stillTravelAsBefore() {
        // What the engine itself ships by Java serialization: the JDK's values and exceptions.
        ArrayList<String> list = new ArrayList<>(List.of("a", "b"));
        assertThat((Object) engine.toObject(engine.toData(list))).isEqualTo(list);
        IllegalStateException e = new IllegalStateException("remote failure");
        assertThat((Throwable) engine.toObject(engine.toData(e))).hasMessage("remote failure");
        assertThat((Throwable) engine.toObject(engine.toData(new HazelcastSerializationException("x"))))
                .isInstanceOf(HazelcastSerializationException.class);
    }

    @Test
    void aCodecFailure_reachesTheEngineWithoutAClassOfOurs() {
        byte[] bad = {0, 0, 0, 99};
        Data data = engine.toData(bad);
        // The codec's refusal, as an error response would carry it back to a caller.
        CodecSerializer<?> serializer = new CodecSerializer<>(org.openpair.emulator.codec.GuardianCodecs.HANDLE);
        Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() -> serializer.read(
                ((com.hazelcast.internal.serialization.InternalSerializationService) engine).createObjectDataInput(data)));
        assertThat(failure).isInstanceOf(HazelcastSerializationException.class).hasNoCause()
                .hasMessageStartingWith("cannot decode ProcessHandle#101: ");
        assertThat((Throwable) engine.toObject(engine.toData(failure))).isInstanceOf(HazelcastSerializationException.class);
    }

    /** The runtime's codecs and the engine package's own: everything the engine is configured with. */
    private static java.util.List<Codec<?>> allCodecs() {
        java.util.List<Codec<?>> all = new java.util.ArrayList<>(NodeEngineSettings.codecs());
        all.addAll(EngineSerialization.ownCodecs());
        return all;
    }
}
