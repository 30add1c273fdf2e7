package org.openpair.emulator.pairs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.openpair.emulator.codec.CodecException;
import org.openpair.guardian.RestartPolicy;

/** The chunked state transfer: what arrives whole is applied, anything else is refused. */
class StateTransferTest {
    private static final RestartPolicy POLICY = RestartPolicy.permanent(7, Duration.ofSeconds(42));

    /** Where the END record holds the restart type's code: after its union id, count, CRC, length and CRC. */
    private static final int TYPE_AT_END = 4 + 4 + 8 + 8 + 8;
    /** Where a POLICY record holds it: after its union id. */
    private static final int TYPE_IN_POLICY = 4;

    private static List<byte[]> encode(Map<String, String> state, byte[] replies) {
        return encode(state, replies, POLICY);
    }

    private static List<byte[]> encode(Map<String, String> state, byte[] replies, RestartPolicy policy) {
        List<byte[]> out = new ArrayList<>();
        Iterator<byte[]> it = StateTransfer.records(state, replies, policy);
        while (it.hasNext()) {
            out.add(it.next());
        }
        return out;
    }

    private static StateTransfer.Result receive(List<byte[]> records) {
        StateTransfer.Incoming in = StateTransfer.Incoming.begin(
                (CheckpointRecord.TransferBegin) CheckpointRecord.decode(records.get(0)));
        for (byte[] bytes : records.subList(1, records.size() - 1)) {
            CheckpointRecord r = CheckpointRecord.decode(bytes);
            if (r instanceof CheckpointRecord.TransferState s) {
                in.state(s);
            } else {
                in.replies((CheckpointRecord.TransferReplies) r);
            }
        }
        return in.end((CheckpointRecord.TransferEnd) CheckpointRecord.decode(records.get(records.size() - 1)));
    }

    private static Map<String, String> bigState(int entries, int valueBytes, long seed) {
        return bigState("k" + seed + ".", entries, valueBytes, seed);
    }

    private static Map<String, String> bigState(String prefix, int entries, int valueBytes, long seed) {
        Random random = new Random(seed);
        Map<String, String> state = new HashMap<>();
        for (int i = 0; i < entries; i++) {
            StringBuilder v = new StringBuilder(valueBytes);
            for (int j = 0; j < valueBytes; j++) {
                v.append((char) ('a' + random.nextInt(26)));
            }
            state.put(prefix + i, v.toString());
        }
        return state;
    }

    @Test
    void aStateOf16MiB_arrivesWhole_inRecordsNoLargerThanAChunkAndOneEntry() {
        Map<String, String> state = bigState(64, 256 * 1024, 1);
        state.putAll(bigState(100, 10, 2));
        state.put("big", "x".repeat(1 << 20));
        byte[] replies = new byte[700_000];
        new Random(3).nextBytes(replies);
        List<byte[]> records = encode(state, replies);
        assertThat(records).allSatisfy(r -> assertThat(r.length).isLessThanOrEqualTo(
                StateTransfer.CHUNK_BYTES + (1 << 20) + 64));
        assertThat(records.size()).isGreaterThan(64);
        StateTransfer.Result r = receive(records);
        assertThat(r.state()).isEqualTo(state);
        assertThat(r.savedReplies()).isEqualTo(replies);
        assertThat(r.policy()).isEqualTo(POLICY);
    }

    @Test
    void anEmptyState_isBeginAndEnd() {
        List<byte[]> records = encode(Map.of(), new byte[0]);
        assertThat(records).hasSize(2);
        assertThat(receive(records).state()).isEmpty();
    }

    @Test
    void theRestartPolicy_travelsByItsCode() {
        for (RestartPolicy p : List.of(POLICY, RestartPolicy.TEMPORARY,
                RestartPolicy.transientRestart(3, Duration.ofMinutes(2)))) {
            assertThat(receive(encode(Map.of("k", "v"), new byte[0], p)).policy()).isEqualTo(p);
            assertThat(CheckpointRecord.decode(CheckpointRecord.encode(new CheckpointRecord.Policy(p))))
                    .isEqualTo(new CheckpointRecord.Policy(p));
        }
    }

    @Test
    void aRestartTypeCodeNoTypeHas_isRefused_notReadAsAnotherType() {
        List<byte[]> records = encode(Map.of(), new byte[0]);
        byte[] end = records.get(records.size() - 1);
        for (int bad : new int[] {0, 4, -1}) {
            ByteBuffer.wrap(end).putInt(TYPE_AT_END, bad);
            assertThatThrownBy(() -> receive(records)).isInstanceOf(CodecException.class)
                    .hasMessageEndingWith("unknown RestartPolicy.Type code " + bad);
            byte[] policy = CheckpointRecord.encode(new CheckpointRecord.Policy(POLICY));
            ByteBuffer.wrap(policy).putInt(TYPE_IN_POLICY, bad);
            assertThatThrownBy(() -> CheckpointRecord.decode(policy)).isInstanceOf(CodecException.class)
                    .hasMessageEndingWith("unknown RestartPolicy.Type code " + bad);
        }
    }

    @Test
    void aLostChunk_isRefusedAtTheEnd() {
        List<byte[]> records = new ArrayList<>(encode(bigState(200, 4096, 4), new byte[10]));
        records.remove(2);
        assertThatThrownBy(() -> receive(records)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not verify");
    }

    @Test
    void anAlteredByte_isRefusedAtTheEnd() {
        List<byte[]> records = encode(bigState(200, 4096, 5), new byte[10]);
        records.get(1)[100] ^= 1;
        assertThatThrownBy(() -> receive(records)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not verify");
    }

    @Test
    void savedRepliesBeyondWhatWasAnnounced_areRefused() {
        List<byte[]> records = new ArrayList<>(encode(Map.of("a", "b"), new byte[10]));
        records.add(records.size() - 1, CheckpointRecord.encode(new CheckpointRecord.TransferReplies(new byte[] {1, 2, 3})));
        assertThatThrownBy(() -> receive(records)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("more than the 10 bytes");
    }

    @Test
    void aValueOver64KiB_survivesTheStateRecordEncoding() {
        String value = "v".repeat(300_000);
        CheckpointRecord r = CheckpointRecord.decode(CheckpointRecord.encode(new CheckpointRecord.Put(Map.of("k", value))));
        assertThat(((CheckpointRecord.Put) r).entries()).containsEntry("k", value);
    }
}
