package org.openpair.emulator.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.hazelcast.internal.json.Json;
import com.hazelcast.internal.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.codec.Codec;
import org.openpair.emulator.codec.CodecException;
import org.openpair.emulator.codec.Encoder;
import org.openpair.emulator.cpu.NodeEngineSettings;
import org.openpair.emulator.names.Epochs;
import org.openpair.guardian.ProcessHandle;

/** Every kind of event through its codec and its two line forms; the EVENTS call's values and their bounds. */
class EventCodecsTest {
    private static final ProcessHandle P = new ProcessHandle("N1", 1, 7, 99);
    private static final ProcessHandle Q = new ProcessHandle("N1", 2, 3, 100);
    private static final Instant AT = Instant.parse("2026-12-06T14:31:07.436Z");

    static List<Event> kinds() {
        return EventSamples.kinds();
    }

    @Test
    void everyKind_comesBackEqual_inARecord() {
        for (Event e : kinds()) {
            EventRecord r = new EventRecord(42, AT, "N1", 2, e);
            assertThat(EventCodecs.RECORD.decode(EventCodecs.RECORD.encode(r))).isEqualTo(r);
        }
        EventBatch b = new EventBatch(kinds().stream().map(e -> new EventRecord(1, AT, "N1", 0, e)).toList(), 9, 3);
        assertThat(EventCodecs.BATCH.decode(EventCodecs.BATCH.encode(b))).isEqualTo(b);
        EventQuery q = new EventQuery(5, 1000, 30_000);
        assertThat(EventCodecs.QUERY.decode(EventCodecs.QUERY.encode(q))).isEqualTo(q);
    }

    @Test
    void typeIds_areInTheirBlock_andUniqueAmongTheNodesCodecs() {
        for (Codec<?> c : EventCodecs.all()) {
            assertThat(c.id()).as(c.toString()).isBetween(1000, 1099);
        }
        Map<Integer, Codec<?>> seen = new HashMap<>();
        for (Codec<?> c : NodeEngineSettings.codecs()) {
            assertThat(seen.put(c.id(), c)).as("another codec with the id of " + c).isNull();
        }
        assertThat(NodeEngineSettings.codecs()).containsAll(EventCodecs.all());
    }

    @Test
    void anUnknownKind_isACodecException() {
        byte[] bytes = new Encoder().i64(1).instant(AT).str("N1").i32(0).i32(1099).toByteArray();
        assertThatThrownBy(() -> EventCodecs.RECORD.decode(bytes)).isInstanceOf(CodecException.class)
                .hasMessageContaining("unknown Event type id 1099");
    }

    @Test
    void theTextLine_namesEveryField_quotesSpaces_andReadsTheEpochAsPpdDoes() {
        EventRecord r = new EventRecord(18, AT, "N1", 2, kinds().get(6));
        assertThat(r.text()).isEqualTo("18 2026-12-06 14:31:07.436 \\N1 cpu2 Takeover name=$A cause=CPU_FAILED "
                + "old=1,7 new=2,3 epoch=" + Epochs.format(Epochs.next(Epochs.first(1), 2)) + " durationMs=19");
        assertThat(new EventRecord(3, AT, "N1", 0, kinds().get(1)).text())
                .endsWith(" cpu0 CpuDown down=0 evidence=\"kernel evidence: EOF\"");
        assertThat(new EventRecord(4, AT, "N1", 1, kinds().get(3)).text())
                .endsWith(" ProcessStarted process=1,7 program=\"sleep 1\"");
    }

    @Test
    void theJsonLine_parses_withTheHeaderAndEveryField() {
        for (Event e : kinds()) {
            JsonObject o = Json.parse(new EventRecord(7, AT, "N1", 1, e).json()).asObject();
            assertThat(o.getLong("seq", -1)).isEqualTo(7);
            assertThat(o.getString("time", null)).isEqualTo(AT.toString());
            assertThat(o.getString("node", null)).isEqualTo("N1");
            assertThat(o.getInt("cpu", -1)).isEqualTo(1);
            assertThat(o.getString("kind", null)).isEqualTo(e.kind());
            assertThat(o.names()).containsAll(e.fields().keySet());
        }
        JsonObject t = Json.parse(new EventRecord(7, AT, "N1", 1, kinds().get(6)).json()).asObject();
        assertThat(t.getLong("epoch", -1)).isEqualTo(Epochs.next(Epochs.first(1), 2));
        assertThat(t.getLong("durationMs", -2)).isEqualTo(19);
    }

    @Test
    void aQueryOutOfBounds_isRefused() {
        assertThatThrownBy(() -> new EventQuery(-1, 10, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("since");
        assertThatThrownBy(() -> new EventQuery(0, 0, 0)).hasMessageContaining("max");
        assertThatThrownBy(() -> new EventQuery(0, 1001, 0)).hasMessageContaining("max");
        assertThatThrownBy(() -> new EventQuery(0, 10, -1)).hasMessageContaining("waitMillis");
        assertThatThrownBy(() -> new EventQuery(0, 10, 30_001)).hasMessageContaining("waitMillis");
    }
}
