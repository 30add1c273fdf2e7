package org.openpair.emulator.pairs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.openpair.emulator.codec.CodecException;
import org.openpair.emulator.codec.Encoder;
import org.openpair.guardian.RestartPolicy;

/** Every kind of checkpoint record through the runtime's codec, and what the backup must refuse. */
class CheckpointRecordTest {
    private static CheckpointRecord roundTrip(CheckpointRecord r) {
        return CheckpointRecord.decode(CheckpointRecord.encode(r));
    }

    @Test
    void everyKind_readsBackAsWritten() {
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put("b", "2");
        entries.put("a", "1 ünïcode");
        RestartPolicy policy = RestartPolicy.permanent(3, Duration.ofSeconds(9));
        assertThat(((CheckpointRecord.User) roundTrip(new CheckpointRecord.User(new byte[] {1, 2, 3}))).data())
                .containsExactly(1, 2, 3);
        assertThat(((CheckpointRecord.Put) roundTrip(new CheckpointRecord.Put(entries))).entries())
                .containsExactlyEntriesOf(entries);
        assertThat(roundTrip(new CheckpointRecord.Remove(List.of("x", "y")))).isEqualTo(new CheckpointRecord.Remove(List.of("x", "y")));
        assertThat(roundTrip(new CheckpointRecord.CloseOpen(77))).isEqualTo(new CheckpointRecord.CloseOpen(77));
        assertThat(roundTrip(new CheckpointRecord.Policy(policy))).isEqualTo(new CheckpointRecord.Policy(policy));
        assertThat(roundTrip(new CheckpointRecord.TransferBegin(5, 6))).isEqualTo(new CheckpointRecord.TransferBegin(5, 6));
        assertThat(roundTrip(new CheckpointRecord.TransferEnd(1, 2, 3, 4, policy)))
                .isEqualTo(new CheckpointRecord.TransferEnd(1, 2, 3, 4, policy));
        assertThat(((CheckpointRecord.TransferState) roundTrip(new CheckpointRecord.TransferState(entries))).entries())
                .containsExactlyEntriesOf(entries);
        assertThat(((CheckpointRecord.TransferReplies) roundTrip(new CheckpointRecord.TransferReplies(new byte[] {9}))).bytes())
                .containsExactly(9);
    }

    @Test
    void aReply_carriesNoChange_theProgramsBytes_orAStateChange() {
        for (CheckpointRecord change : Arrays.asList(null, new CheckpointRecord.User(new byte[] {4, 5}),
                new CheckpointRecord.Put(Map.of("k", "v")))) {
            byte[] bytes = CheckpointRecord.reply(11, 12, 3, new byte[] {7, 8, 9}, change);
            CheckpointRecord.Reply r = (CheckpointRecord.Reply) CheckpointRecord.decode(bytes);
            assertThat(r.openId()).isEqualTo(11);
            assertThat(r.syncId()).isEqualTo(12);
            assertThat(r.depth()).isEqualTo(3);
            assertThat(r.reply()).containsExactly(7, 8, 9);
            if (change == null) {
                assertThat(r.change()).isNull();
                assertThat(bytes).hasSize(CheckpointRecord.REPLY_HEADER + 3);
            } else if (change instanceof CheckpointRecord.User u) {
                assertThat(((CheckpointRecord.User) r.change()).data()).isEqualTo(u.data());
                assertThat(bytes).hasSize(CheckpointRecord.REPLY_HEADER + 3 + CheckpointRecord.USER_HEADER + 2);
            } else {
                assertThat(r.change()).isEqualTo(change);
            }
        }
    }

    @Test
    void theProgramsBytes_takeAnArrayOfTheirExactSize() {
        byte[] data = new byte[1000];
        byte[] record = CheckpointRecord.user(data);
        assertThat(record).hasSize(CheckpointRecord.USER_HEADER + data.length);
        assertThat(((CheckpointRecord.User) CheckpointRecord.decode(record)).data()).isEqualTo(data);
    }

    @Test
    void aReplysChange_thatIsNeitherKind_isRefused_onBothSides() {
        assertThatThrownBy(() -> new CheckpointRecord.Reply(1, 1, 1, new byte[0], new CheckpointRecord.CloseOpen(1)))
                .isInstanceOf(IllegalArgumentException.class);
        // Written by hand: a reply whose change is a CLOSE_OPEN record (id 905).
        Encoder out = new Encoder();
        out.i32(CheckpointRecord.REPLY.id()).i64(1).i64(1).i32(1).bytes(new byte[0]).bool(true)
                .i32(CheckpointRecord.CLOSE_OPEN.id()).i64(1);
        assertThatThrownBy(() -> CheckpointRecord.decode(out.toByteArray())).isInstanceOf(CodecException.class)
                .hasMessageContaining("unknown CheckpointRecord type id 905");
    }

    @Test
    void anUnknownKind_aCutRecord_andBytesLeftOver_areRefused() {
        byte[] unknown = ByteBuffer.allocate(12).putInt(999).putLong(1).array();
        assertThatThrownBy(() -> CheckpointRecord.decode(unknown)).isInstanceOf(CodecException.class)
                .hasMessageContaining("unknown CheckpointRecord type id 999");
        byte[] whole = CheckpointRecord.encode(new CheckpointRecord.CloseOpen(5));
        assertThatThrownBy(() -> CheckpointRecord.decode(Arrays.copyOf(whole, whole.length - 1)))
                .isInstanceOf(CodecException.class);
        assertThatThrownBy(() -> CheckpointRecord.decode(Arrays.copyOf(whole, whole.length + 1)))
                .isInstanceOf(CodecException.class).hasMessageContaining("left over");
        assertThatThrownBy(() -> CheckpointRecord.decode(new byte[0])).isInstanceOf(CodecException.class);
    }

    @Test
    void savedReplies_travelWhole_inTheirLruOrder() {
        SavedReplies saved = new SavedReplies();
        saved.record(1, 10, 2, new byte[] {1});
        saved.record(1, 11, 2, new byte[] {2});
        saved.record(2, 5, 1, new byte[] {3});
        saved.record(1, 12, 2, new byte[] {4});
        SavedReplies copy = new SavedReplies();
        copy.restore(saved.snapshot());
        assertThat(copy.snapshot()).isEqualTo(saved.snapshot());
        assertThat(copy.saved(1, 12)).containsExactly(4);
        assertThat(copy.admit(1, 10)).isEqualTo(SavedReplies.Admission.TOO_OLD);
        assertThat(copy.admit(2, 5)).isEqualTo(SavedReplies.Admission.SAVED);
    }

    @Test
    void aCorruptSavedRepliesSnapshot_isRefused_andChangesNothing() {
        SavedReplies saved = new SavedReplies();
        saved.record(1, 10, 1, new byte[] {1, 2, 3});
        byte[] snapshot = saved.snapshot();
        SavedReplies target = new SavedReplies();
        target.record(9, 90, 1, new byte[] {9});
        byte[] before = target.snapshot();
        assertThatThrownBy(() -> target.restore(Arrays.copyOf(snapshot, snapshot.length - 1)))
                .isInstanceOf(CodecException.class);
        assertThatThrownBy(() -> target.restore(Arrays.copyOf(snapshot, snapshot.length + 2)))
                .isInstanceOf(CodecException.class);
        byte[] tooMany = snapshot.clone();
        ByteBuffer.wrap(tooMany).putInt(0, SavedReplies.MAX_OPENS + 1);
        assertThatThrownBy(() -> target.restore(tooMany)).isInstanceOf(CodecException.class)
                .hasMessageContaining("opens");
        assertThat(target.snapshot()).isEqualTo(before);
    }
}
