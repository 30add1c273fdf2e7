package org.openpair.emulator.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.node.CpuTask;
import org.openpair.guardian.TerminationCause;
import org.openpair.emulator.node.CpuCallCodecs;
import org.openpair.emulator.names.NameCodecs;

/**
 * Bytes that are not what a codec wrote are refused with a {@link CodecException} that names
 * the type and what was wrong; nothing is read as a default in their place.
 */
class CodecBadInputTest {

    @Test
    void everyTruncation_isRefused() {
        for (Object v : new Object[] {Samples.nameEntries().get(1), CpuTask.of(Samples.cpuCalls().get(1)),
                Samples.terminations().get(Samples.terminations().size() - 1)}) {
            Codec<Object> codec = codecOf(v);
            byte[] whole = codec.encode(v);
            for (int n = 0; n < whole.length; n++) {
                byte[] cut = Arrays.copyOf(whole, n);
                assertThatThrownBy(() -> codec.decode(cut)).as(codec + " cut to " + n + " of " + whole.length + " bytes")
                        .isInstanceOf(CodecException.class)
                        .hasMessageMatching("(?s).*(truncated|bad) \\w+.*");
            }
        }
        assertThatThrownBy(() -> NameCodecs.NAME_ENTRY.decode(new byte[0]))
                .isInstanceOf(CodecException.class)
                .hasMessage("truncated NameEntry: a byte needs 1 byte(s) at offset 0, 0 left");
    }

    @Test
    void bytesLeftOver_areRefused() {
        byte[] whole = GuardianCodecs.HANDLE.encode(Samples.LOW);
        byte[] longer = Arrays.copyOf(whole, whole.length + 1);
        assertThatThrownBy(() -> GuardianCodecs.HANDLE.decode(longer))
                .isInstanceOf(CodecException.class)
                .hasMessage("ProcessHandle: 1 byte(s) left over after the value, at offset " + whole.length);
    }

    @Test
    void unknownTypeId_isRefused() {
        byte[] bytes = new Encoder().i32(999).toByteArray();
        assertThatThrownBy(() -> CpuCallCodecs.CALL.decode(bytes))
                .isInstanceOf(CodecException.class)
                .hasMessageStartingWith("unknown CpuCall type id 999 (known: [405, 406, 407, 408, 409, 410, 412, 413, 414])");
        // A member of another family is not a CPU call either.
        byte[] program = new Encoder().i32(GuardianCodecs.HOSTED.id()).str("a.B").toByteArray();
        assertThatThrownBy(() -> CpuCallCodecs.CALL.decode(program))
                .isInstanceOf(CodecException.class)
                .hasMessageStartingWith("unknown CpuCall type id 104");
    }

    @Test
    void javaSerializedBytes_areNotACall() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject("a string, not a CPU call");
        }
        assertThatThrownBy(() -> CpuCallCodecs.CALL.decode(bytes.toByteArray()))
                .isInstanceOf(CodecException.class)
                .hasMessageStartingWith("unknown CpuCall type id -1393754107");
    }

    @Test
    void negativeLength_isRefused() {
        byte[] bytes = new Encoder().i32(-1).toByteArray();
        assertThatThrownBy(() -> Scalars.STRING.decode(bytes))
                .isInstanceOf(CodecException.class)
                .hasMessage("bad String at offset 0: a string of length -1 with 0 byte(s) left");
    }

    @Test
    void lengthPastTheEnd_isRefused_beforeAnythingIsAllocated() {
        byte[] string = new Encoder().i32(Integer.MAX_VALUE).i8('a').toByteArray();
        assertThatThrownBy(() -> Scalars.STRING.decode(string))
                .isInstanceOf(CodecException.class)
                .hasMessage("bad String at offset 0: a string of length 2147483647 with 1 byte(s) left");
        byte[] bytes = new Encoder().i32(5).i32(0).toByteArray();
        assertThatThrownBy(() -> Scalars.BYTES.decode(bytes))
                .isInstanceOf(CodecException.class)
                .hasMessage("bad byte[] at offset 0: a byte array of length 5 with 4 byte(s) left");
        // An Acquisition claiming a million dead owners in a handful of bytes.
        byte[] acquisition = new Encoder().str("s").i32(1).bool(true).i32(1_000_000).toByteArray();
        assertThatThrownBy(() -> GuardianCodecs.ACQUISITION.decode(acquisition))
                .isInstanceOf(CodecException.class)
                .hasMessage("bad Acquisition at offset 10: a list of ProcessHandle of 1000000 element(s) with 0 byte(s) "
                        + "left");
    }

    @Test
    void booleanOtherThanZeroOrOne_isRefused() {
        byte[] entry = NameCodecs.NAME_ENTRY.encode(Samples.nameEntries().get(0));
        byte[] bad = entry.clone();
        bad[0] = 2; // the presence byte of the name
        assertThatThrownBy(() -> NameCodecs.NAME_ENTRY.decode(bad))
                .isInstanceOf(CodecException.class)
                .hasMessage("bad NameEntry at offset 0: a boolean is 0 or 1, found 2");
    }

    @Test
    void unknownEnumCode_isRefused() {
        byte[] good = GuardianCodecs.TERMINATION.encode(Samples.terminations().get(0));
        int causeAt = GuardianCodecs.HANDLE.encode(Samples.LOW).length + 2; // handle, no name, no program
        assertThat(new Decoder(good, causeAt, 4).i32()).isEqualTo(1); // RETURNED
        byte[] bad = good.clone();
        bad[causeAt + 3] = 99;
        assertThatThrownBy(() -> GuardianCodecs.TERMINATION.decode(bad))
                .isInstanceOf(CodecException.class)
                .hasMessage("bad Termination at offset " + causeAt + ": unknown TerminationCause code 99");
        assertThat(TerminationCause.values()).hasSize(8);
    }

    @Test
    void enumCodesOfTheAttachSocketsValues_areRefusedWhenUnknown_notReadByPosition() {
        // 0 was the first constant's ordinal; as a code it names nothing.
        byte[] policy = new Encoder().i32(0).i32(1).i64(1000).toByteArray();
        assertThatThrownBy(() -> GuardianCodecs.RESTART_POLICY.decode(policy))
                .isInstanceOf(CodecException.class)
                .hasMessage("bad RestartPolicy at offset 0: unknown RestartPolicy.Type code 0");
        byte[] pair = new Encoder().i32(3).bool(false).bool(false).bool(false).bool(false).i64(0).bool(false)
                .toByteArray();
        assertThatThrownBy(() -> GuardianCodecs.PAIR_INFO.decode(pair))
                .isInstanceOf(CodecException.class)
                .hasMessage("bad PairInfo at offset 0: unknown PairStatus code 3");
        byte[] info = GuardianCodecs.SEMAPHORE_INFO.encode((org.openpair.guardian.SemaphoreInfo) Samples.apiValues()
                .stream().filter(v -> v instanceof org.openpair.guardian.SemaphoreInfo).findFirst().orElseThrow());
        int consistencyAt = Scalars.STRING.encode("s").length + 4 + 4 + 4;
        info[consistencyAt + 3] = 9;
        assertThatThrownBy(() -> GuardianCodecs.SEMAPHORE_INFO.decode(info))
                .isInstanceOf(CodecException.class)
                .hasMessage("bad SemaphoreInfo at offset " + consistencyAt + ": unknown Consistency code 9");
    }

    @Test
    void aRestartPolicyItsRecordRefuses_isBadInput() {
        byte[] policy = new Encoder().i32(1).i32(0).i64(1000).toByteArray();
        assertThatThrownBy(() -> GuardianCodecs.RESTART_POLICY.decode(policy))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("RestartPolicy refused its fields: restart intensity must be at least 1: 0");
    }

    @Test
    void malformedUtf8_isRefused() {
        byte[] bytes = new Encoder().i32(2).i8(0xc3).i8(0x28).toByteArray();
        assertThatThrownBy(() -> Scalars.STRING.decode(bytes))
                .isInstanceOf(CodecException.class)
                .hasMessage("bad String at offset 0: a string of 2 bytes is not UTF-8");
    }

    @Test
    void loneSurrogate_isRefusedWhenWritten_notReplaced() {
        assertThatThrownBy(() -> Scalars.STRING.encode("ab\ud800"))
                .isInstanceOf(CodecException.class)
                .hasMessage("a string with a lone UTF-16 surrogate at index 2 has no UTF-8 form");
    }

    @Test
    void instantNanosOutOfRange_areRefused() {
        byte[] bytes = new Encoder().i64(0).i32(1_000_000_000).toByteArray();
        Codec<java.time.Instant> instant = Codec.of(99, java.time.Instant.class, Encoder::instant, Decoder::instant);
        assertThatThrownBy(() -> instant.decode(bytes))
                .isInstanceOf(CodecException.class)
                .hasMessage("bad Instant at offset 0: an instant's nanoseconds are 0-999999999, found 1000000000");
        byte[] farOut = new Encoder().i64(Long.MAX_VALUE).i32(0).toByteArray();
        assertThatThrownBy(() -> instant.decode(farOut))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("out of range");
    }

    @Test
    void fieldsTheRecordRefuses_areBadInput() {
        byte[] bytes = new Encoder().str("N").i32(99).i32(0).i64(1).toByteArray();
        assertThatThrownBy(() -> GuardianCodecs.HANDLE.decode(bytes))
                .isInstanceOf(CodecException.class)
                .hasMessage("bad ProcessHandle at offset 0: ProcessHandle refused its fields: CPU must be 0-15: 99");
        byte[] name = new Encoder().str("$TOOLONG").toByteArray();
        assertThatThrownBy(() -> GuardianCodecs.NAME.decode(name))
                .isInstanceOf(CodecException.class)
                .hasMessageStartingWith("bad ProcessName at offset 0: ProcessName refused its fields: illegal process name");
    }

    @Test
    void repeatedMapKey_isRefused() {
        Encoder out = new Encoder().i32(2).str("K").str("a").str("K").str("b");
        Codec<java.util.Map<String, String>> env = Codec.ofRaw(98, java.util.Map.class,
                (o, m) -> o.map(Scalars.STRING, Scalars.STRING, m), in -> in.map(Scalars.STRING, Scalars.STRING));
        assertThatThrownBy(() -> env.decode(out.toByteArray()))
                .isInstanceOf(CodecException.class)
                .hasMessage("bad Map at offset 0: a map holds the key K twice");
    }

    @Test
    void absentRequiredValue_isRefusedWhenWritten() {
        assertThatThrownBy(() -> GuardianCodecs.HANDLE.encode(null))
                .isInstanceOf(CodecException.class)
                .hasMessage("a ProcessHandle that must be present is null");
        assertThatThrownBy(() -> Scalars.STRING.encode(null))
                .isInstanceOf(CodecException.class)
                .hasMessage("a String that must be present is null");
    }

    @SuppressWarnings("unchecked")
    private static Codec<Object> codecOf(Object v) {
        if (v instanceof NameEntry) {
            return (Codec<Object>) (Codec<?>) NameCodecs.NAME_ENTRY;
        }
        if (v instanceof CpuTask<?>) {
            return (Codec<Object>) (Codec<?>) CpuCallCodecs.TASK;
        }
        return (Codec<Object>) (Codec<?>) GuardianCodecs.TERMINATION;
    }

    /** In a direct buffer the bytes past the view's limit are not the value's: a cut value is refused, not read on. */
    @Test
    void aValueCutShortByItsViewsLimit_isRefused_evenWithBytesBeyond() {
        byte[] entry = NameCodecs.NAME_ENTRY.encode(Samples.nameEntries().get(1));
        java.nio.ByteBuffer frame = java.nio.ByteBuffer.allocateDirect(entry.length + 64);
        frame.put(entry).put(new byte[64]);
        for (int cut = 0; cut < entry.length; cut++) {
            java.nio.ByteBuffer view = frame.duplicate().position(0).limit(cut);
            assertThatThrownBy(() -> NameCodecs.NAME_ENTRY.decode(view)).isInstanceOf(CodecException.class);
        }
        java.nio.ByteBuffer longer = frame.duplicate().position(0).limit(entry.length + 1);
        assertThatThrownBy(() -> NameCodecs.NAME_ENTRY.decode(longer)).isInstanceOf(CodecException.class)
                .hasMessageContaining("left over");
    }
}
