package org.openpair.emulator.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.openpair.emulator.node.CpuTask;
import org.openpair.guardian.SpawnRequest;
import org.openpair.emulator.node.CpuCallCodecs;
import org.openpair.emulator.names.NameCodecs;
import org.openpair.emulator.node.NodeTableCodecs;

/**
 * Every public type that crosses the engine comes back from its codec equal, field by field, to
 * what went in, with its nulls and its edge values ({@link Samples}); the semaphore family has
 * its own test beside its package-private types.
 */
class CodecRoundTripTest {
    private static final Map<Class<?>, Codec<?>> BY_TYPE = new HashMap<>();

    static {
        List<Codec<?>> all = new ArrayList<>();
        all.addAll(GuardianCodecs.all());
        all.addAll(NodeTableCodecs.all());
        all.addAll(NameCodecs.all());
        all.addAll(CpuCallCodecs.all());
        for (Codec<?> c : all) {
            if (!c.isUnion()) {
                BY_TYPE.put(c.type(), c);
            }
        }
    }

    @Test
    void everySample_comesBackEqual() {
        for (Object v : Samples.all()) {
            Codec<?> codec = BY_TYPE.get(v.getClass());
            assertThat(codec).as("codec of " + v.getClass()).isNotNull();
            Object back = roundTrip(codec, v);
            assertThat(back).as(codec + " of " + v).usingRecursiveComparison().isEqualTo(v);
            assertThat(back.getClass()).isEqualTo(v.getClass());
        }
    }

    /** Read in place from a direct buffer, between a position and a limit with other bytes around, as a link frame is. */
    @Test
    void everySample_comesBackEqual_fromADirectBufferView() {
        for (Object v : Samples.all()) {
            @SuppressWarnings("unchecked")
            Codec<Object> codec = (Codec<Object>) BY_TYPE.get(v.getClass());
            byte[] bytes = codec.encode(v);
            java.nio.ByteBuffer frame = java.nio.ByteBuffer.allocateDirect(bytes.length + 20);
            frame.put(new byte[7]).put(bytes).put(new byte[13]);
            java.nio.ByteBuffer view = frame.position(7).limit(7 + bytes.length);

            Object back = codec.decode(view);

            assertThat(back).as(codec + " of " + v).usingRecursiveComparison().isEqualTo(v);
            assertThat(view.position()).as("the caller's position").isEqualTo(7);
            assertThat(view.limit()).isEqualTo(7 + bytes.length);
        }
    }

    @Test
    void spawnRequests_keepWhatTheirAccessorsSay() {
        // SpawnRequest has no equals: its accessors are what a CPU reads.
        for (SpawnRequest r : Samples.spawnRequests()) {
            SpawnRequest back = roundTrip(GuardianCodecs.SPAWN_REQUEST, r);
            assertThat(back.toString()).isEqualTo(r.toString());
            assertThat(back.name()).isEqualTo(r.name());
            assertThat(back.cpu()).isEqualTo(r.cpu());
            assertThat(back.priority()).isEqualTo(r.priority());
            assertThat(back.args()).isEqualTo(r.args());
            assertThat(back.env()).isEqualTo(r.env());
            assertThat(back.isMyBackup()).isEqualTo(r.isMyBackup());
            assertThat(back.classPath()).isEqualTo(r.classPath());
            assertThat(back.program()).isEqualTo(r.program());
        }
    }

    @Test
    void everyCpuCall_travelsAsANotificationPayload() {
        for (CpuTask.CpuCall<?> call : Samples.cpuCalls()) {
            byte[] bytes = CpuCallCodecs.CALL.encode(call);
            assertThat(CpuCallCodecs.CALL.decode(bytes)).usingRecursiveComparison().isEqualTo(call);
        }
    }

    @Test
    void typeIds_areUniqueAndInTheirFamilysBlock() {
        Map<Integer, Codec<?>> seen = new HashMap<>();
        check(seen, List.of(Scalars.BOOLEAN, Scalars.INT, Scalars.LONG, Scalars.STRING, Scalars.BYTES), 1, 99);
        check(seen, GuardianCodecs.all(), 100, 199);
        check(seen, NodeTableCodecs.all(), 200, 299);
        check(seen, NameCodecs.all(), 300, 399);
        check(seen, CpuCallCodecs.all(), 400, 499);
    }

    private static void check(Map<Integer, Codec<?>> seen, List<Codec<?>> family, int low, int high) {
        for (Codec<?> c : family) {
            assertThat(c.id()).as(c.toString()).isBetween(low, high);
            assertThat(seen.put(c.id(), c)).as("another codec with the id of " + c).isNull();
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(Codec<T> codec, Object v) {
        return codec.decode(codec.encode((T) v));
    }
}
