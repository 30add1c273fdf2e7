package org.openpair.emulator.semaphores;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.openpair.emulator.codec.Codec;
import org.openpair.emulator.codec.CodecException;
import org.openpair.emulator.codec.Samples;

/** The semaphore entry and its processors come back from their codecs as they went in. */
class SemaphoreCodecsTest {
    private static final Map<Class<?>, Codec<?>> BY_TYPE = new HashMap<>();

    static {
        for (Codec<?> c : SemaphoreCodecs.all()) {
            BY_TYPE.put(c.type(), c);
        }
    }

    @Test
    void everySample_comesBackEqual() {
        for (Object v : SemaphoreSamples.all()) {
            Codec<?> codec = BY_TYPE.get(v.getClass());
            assertThat(codec).as("codec of " + v.getClass()).isNotNull();
            Object back = roundTrip(codec, v);
            assertThat(back).as(codec.toString()).usingRecursiveComparison().isEqualTo(v);
        }
    }

    @Test
    void record_keepsItsHoldersOrder_andWhatItsReadersSee() {
        SemaphoreRecord r = SemaphoreSamples.busyRecord();
        SemaphoreRecord back = SemaphoreCodecs.RECORD.decode(SemaphoreCodecs.RECORD.encode(r));
        assertThat(back.holders.keySet()).containsExactly(Samples.HIGH, Samples.LOW);
        assertThat(back.created).isEqualTo(7);
        assertThat(back.info()).isEqualTo(r.info());
        assertThat(back.holdingOf(Samples.HIGH)).isEqualTo(r.holdingOf(Samples.HIGH));
        assertThat(back.protectedState().version()).isEqualTo(r.stateVersion);
    }

    @Test
    void unknownPolicyCode_isRefused() {
        byte[] bytes = SemaphoreCodecs.CREATE.encode(new SemaphoreOps.Create("s", 1, org.openpair.guardian.DeathPolicy.ORPHAN));
        bytes[bytes.length - 1] = 9;
        assertThatThrownBy(() -> SemaphoreCodecs.CREATE.decode(bytes))
                .isInstanceOf(CodecException.class)
                .hasMessage("bad Create at offset 9: unknown DeathPolicy code 9");
    }

    @Test
    void typeIds_areInTheSemaphoreBlock() {
        for (Codec<?> c : SemaphoreCodecs.all()) {
            assertThat(c.id()).as(c.toString()).isBetween(500, 599);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(Codec<T> codec, Object v) {
        return codec.decode(codec.encode((T) v));
    }
}
