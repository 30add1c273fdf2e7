package org.openpair.emulator.attach;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.openpair.emulator.attach.AttachCodecs.AcquireMode;
import org.openpair.emulator.codec.Codec;
import org.openpair.emulator.codec.CodecException;
import org.openpair.emulator.codec.Encoder;
import org.openpair.emulator.codec.GuardianCodecs;
import org.openpair.emulator.codec.Samples;
import org.openpair.emulator.codec.Scalars;
import org.openpair.emulator.names.NameCodecs;
import org.openpair.emulator.node.CpuCallCodecs;
import org.openpair.emulator.node.NodeTableCodecs;
import org.openpair.guardian.DeathPolicy;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.ReceiveInfo;
import org.openpair.guardian.RestartPolicy;
import org.openpair.guardian.Signal;
import org.openpair.guardian.StopScope;

/**
 * The attach socket's payloads on the runtime's codec: every call's arguments and answer come
 * back equal to what went in, and bytes that are not what a codec wrote (cut short, a code no
 * constant has, a length past the frame) are refused, on the CPU's side as a protocol error
 * (see {@link AttachFuzzTest} for the connection), on the child's as Guardian error 2.
 */
class AttachCodecsTest {

    /** Values of every attach codec's type, with their nulls and edges, by codec. */
    private static Map<Codec<?>, List<Object>> samples() {
        Map<Codec<?>, List<Object>> s = new LinkedHashMap<>();
        s.put(AttachCodecs.NOTHING, List.of(AttachCodecs.Nothing.VALUE));
        s.put(AttachCodecs.TIMEOUT, List.of(Duration.ZERO, Duration.ofMillis(Long.MAX_VALUE / 2)));
        s.put(AttachCodecs.HELLO, List.of(new AttachCodecs.Hello(Long.MIN_VALUE, new byte[0]),
                new AttachCodecs.Hello(42, new byte[] {1, -1, 0})));
        s.put(AttachCodecs.WELCOME, List.of(new AttachCodecs.Welcome(Samples.LOW, null, List.of(), Map.of(), ""),
                new AttachCodecs.Welcome(Samples.HIGH, Samples.NAME, List.of("", "two words", "\u00e9"),
                        Map.of("A", "", "PATH", "/bin"), "\\NODE\u00e9")));
        s.put(AttachCodecs.FAILURE, List.of(new AttachCodecs.Failure(0, "", -1),
                new AttachCodecs.Failure(Integer.MIN_VALUE, "no \u00e9", Long.MAX_VALUE)));
        List<Object> notes = new ArrayList<>();
        for (Signal sig : Signal.values()) {
            notes.add(new AttachCodecs.SignalNote(sig, sig.ordinal() % 2 == 0 ? null : Samples.HIGH));
        }
        s.put(AttachCodecs.SIGNAL_NOTE, notes);
        s.put(AttachCodecs.END, List.of(new AttachCodecs.End(false, ""), new AttachCodecs.End(true, "abend: \u6f22")));
        s.put(AttachCodecs.CREATE_BACKUP, List.of(new AttachCodecs.CreateBackup(-1, RestartPolicy.TEMPORARY),
                new AttachCodecs.CreateBackup(15, RestartPolicy.permanent(3, Duration.ofSeconds(9)))));
        s.put(AttachCodecs.KEY_VALUE, List.of(new AttachCodecs.KeyValue("", ""), new AttachCodecs.KeyValue("k", "\u00e9")));
        s.put(AttachCodecs.OPEN_RECEIVE, List.of(new AttachCodecs.OpenReceive(0, false),
                new AttachCodecs.OpenReceive(Integer.MAX_VALUE, true)));
        AttachCodecs.Update update = new AttachCodecs.Update(7, new byte[] {1, 2}, new ReceiveInfo(Samples.HIGH, 1, 2, 3));
        s.put(AttachCodecs.UPDATE, List.of(update, new AttachCodecs.Update(0, new byte[0], new ReceiveInfo(null, 0, 0, 0))));
        s.put(AttachCodecs.REPLY, List.of(new AttachCodecs.Reply(1, new byte[0], new byte[0], null),
                new AttachCodecs.Reply(Long.MAX_VALUE, new byte[] {9}, null, Map.of("k", "v", "", "")),
                new AttachCodecs.Reply(2, new byte[] {9}, new byte[] {8, 7}, null)));
        s.put(AttachCodecs.FILE_OPEN, List.of(new AttachCodecs.FileOpen(Samples.NAME, 1)));
        s.put(AttachCodecs.OPENED, List.of(new AttachCodecs.Opened(Long.MIN_VALUE, Samples.LOW)));
        s.put(AttachCodecs.WRITE_READ, List.of(new AttachCodecs.WriteRead(3, new byte[] {0}, Duration.ofSeconds(30))));
        s.put(AttachCodecs.WRITTEN, List.of(new AttachCodecs.Written(new byte[0], -1, Samples.HIGH)));
        List<Object> creates = new ArrayList<>();
        for (DeathPolicy p : DeathPolicy.values()) {
            creates.add(new AttachCodecs.SemCreate("sem.\u00e9", Integer.MAX_VALUE, p));
        }
        s.put(AttachCodecs.SEM_CREATE, creates);
        List<Object> acquires = new ArrayList<>();
        for (AcquireMode m : AcquireMode.values()) {
            acquires.add(new AttachCodecs.Acquire(5, 1, m, Duration.ofMillis(250)));
        }
        s.put(AttachCodecs.ACQUIRE, acquires);
        s.put(AttachCodecs.PERMITS, List.of(new AttachCodecs.Permits(1, -1)));
        AttachCodecs.Change put = new AttachCodecs.Change("k", new byte[] {1});
        AttachCodecs.Change remove = new AttachCodecs.Change("k", null);
        s.put(AttachCodecs.CHANGE, List.of(put, remove));
        s.put(AttachCodecs.COMMIT, List.of(new AttachCodecs.Commit(1, List.of()),
                new AttachCodecs.Commit(2, List.of(remove, put, remove))));
        List<Object> stops = new ArrayList<>(List.of(new AttachCodecs.Stop(null, null)));
        for (StopScope scope : StopScope.values()) {
            stops.add(new AttachCodecs.Stop(Samples.HIGH, scope));
        }
        s.put(AttachCodecs.STOP, stops);
        s.put(AttachCodecs.COMPARE, List.of(new AttachCodecs.Compare(null, null),
                new AttachCodecs.Compare(Samples.LOW, Samples.HIGH)));
        s.put(AttachCodecs.KILL, List.of(new AttachCodecs.Kill(null, null), new AttachCodecs.Kill(Samples.LOW, Signal.SIGTERM)));
        s.put(AttachCodecs.KILL_NAME, List.of(new AttachCodecs.KillName(null, null),
                new AttachCodecs.KillName(ProcessName.of("$Z"), Signal.SIGTIMEOUT)));
        s.put(AttachCodecs.PAIR_ROLE, List.of(org.openpair.guardian.PairRole.values()));
        s.put(AttachCodecs.CHECKPOINT_RESULT, List.of(org.openpair.guardian.CheckpointResult.values()));
        s.put(AttachCodecs.SIGNAL, List.of(Signal.values()));
        s.put(AttachCodecs.OPT_HANDLE, List.of(Optional.empty(), Optional.of(Samples.HIGH)));
        s.put(AttachCodecs.OPT_NAME, List.of(Optional.empty(), Optional.of(Samples.NAME)));
        s.put(AttachCodecs.OPT_STRING, List.of(Optional.empty(), Optional.of(""), Optional.of("\u00e9")));
        s.put(AttachCodecs.OPT_PROCESS_INFO, List.of(Optional.empty(), Optional.of(Samples.processInfos().get(1))));
        s.put(AttachCodecs.OPT_TERMINATION, List.of(Optional.empty(), Optional.of(Samples.terminations().get(0))));
        List<Object> messages = new ArrayList<>(List.of(Optional.empty()));
        Samples.systemMessages().forEach(m -> messages.add(Optional.of(m)));
        s.put(AttachCodecs.OPT_SYSTEM_MESSAGE, messages);
        s.put(AttachCodecs.OPT_UPDATE, List.of(Optional.empty(), Optional.of(update)));
        s.put(AttachCodecs.OPT_ACQUISITION, List.of(Optional.empty(),
                Optional.of(new org.openpair.guardian.Acquisition("s", 1, true, List.of(Samples.LOW)))));
        s.put(AttachCodecs.PROCESS_INFOS, List.of(List.of(), Samples.processInfos()));
        s.put(AttachCodecs.CPU_INFOS, List.of(List.of(), List.of(new org.openpair.guardian.CpuInfo(0, null, null, 0),
                new org.openpair.guardian.CpuInfo(15, "a:1", Samples.NOW, 3))));
        s.put(AttachCodecs.TERMINATIONS, List.of(List.of(), Samples.terminations()));
        List<Object> infos = new ArrayList<>();
        Samples.apiValues().stream().filter(v -> v instanceof org.openpair.guardian.SemaphoreInfo).forEach(infos::add);
        s.put(AttachCodecs.SEMAPHORE_INFOS, List.of(List.of(), infos));
        s.put(AttachCodecs.STRING_MAP, List.of(Map.of(), Map.of("k", "v", "\u00e9", "")));
        s.put(AttachCodecs.UPGRADE, List.of(new AttachCodecs.Upgrade(Samples.NAME, List.of("/opt/v2.jar", "/opt/\u00e9")),
                new AttachCodecs.Upgrade(null, List.of())));
        var step = new org.openpair.emulator.procedures.PairUpgrade.Step("switch", Long.MAX_VALUE, "1,5 is \u00e9");
        var none = new org.openpair.emulator.procedures.PairUpgrade.Step("", 0, "");
        s.put(AttachCodecs.UPGRADE_STEP, List.of(step, none));
        s.put(AttachCodecs.UPGRADE_STEPS, List.of(List.of(), List.of(step, none)));
        return s;
    }

    @Test
    void everyPayload_comesBackEqual() {
        Map<Codec<?>, List<Object>> samples = samples();
        assertThat(samples.keySet()).as("a sample of every attach codec")
                .containsExactlyInAnyOrderElementsOf(AttachCodecs.all());
        samples.forEach((codec, values) -> {
            for (Object v : values) {
                Object back = roundTrip(codec, v);
                assertThat(back).as(codec + " of " + v).usingRecursiveComparison().isEqualTo(v);
            }
        });
    }

    @Test
    void typeIds_areUniqueAndInTheAttachBlock() {
        Map<Integer, Codec<?>> seen = new HashMap<>();
        List<Codec<?>> others = new ArrayList<>();
        others.addAll(List.of(Scalars.BOOLEAN, Scalars.INT, Scalars.LONG, Scalars.STRING, Scalars.BYTES));
        others.addAll(GuardianCodecs.all());
        others.addAll(NodeTableCodecs.all());
        others.addAll(NameCodecs.all());
        others.addAll(CpuCallCodecs.all());
        others.forEach(c -> seen.put(c.id(), c));
        for (Codec<?> c : AttachCodecs.all()) {
            assertThat(c.id()).as(c.toString()).isBetween(700, 799);
            assertThat(seen.put(c.id(), c)).as("another codec with the id of " + c).isNull();
        }
    }

    @Test
    void everyTruncation_isRefused() {
        Map<Codec<?>, List<Object>> samples = samples();
        for (Codec<?> codec : List.of(AttachCodecs.WELCOME, AttachCodecs.REPLY, AttachCodecs.COMMIT,
                AttachCodecs.ACQUIRE, AttachCodecs.OPT_SYSTEM_MESSAGE)) {
            List<Object> values = samples.get(codec);
            byte[] whole = encode(codec, values.get(values.size() - 1));
            for (int n = 0; n < whole.length; n++) {
                byte[] cut = Arrays.copyOf(whole, n);
                assertThatThrownBy(() -> codec.decode(cut)).as(codec + " cut to " + n + " of " + whole.length)
                        .isInstanceOf(CodecException.class)
                        .hasMessageMatching("(?s).*(truncated|bad) \\w+.*");
            }
        }
    }

    @Test
    void unknownEnumCodes_areRefused() {
        byte[] mode = new Encoder().i64(1).i32(1).i32(4).i64(0).toByteArray();
        assertThatThrownBy(() -> AttachCodecs.ACQUIRE.decode(mode))
                .isInstanceOf(CodecException.class)
                .hasMessage("bad Acquire at offset 12: unknown AttachCodecs.AcquireMode code 4");
        // A signal travels by its number: 0 and 5 (SIGTRAP, which OpenPair does not model) name none.
        for (int bad : new int[] {0, 5, 99}) {
            byte[] note = new Encoder().i32(bad).bool(false).toByteArray();
            assertThatThrownBy(() -> AttachCodecs.SIGNAL_NOTE.decode(note))
                    .isInstanceOf(CodecException.class)
                    .hasMessage("bad SignalNote at offset 0: unknown Signal code " + bad);
        }
        byte[] scope = new Encoder().bool(false).bool(true).i32(3).toByteArray();
        assertThatThrownBy(() -> AttachCodecs.STOP.decode(scope))
                .isInstanceOf(CodecException.class)
                .hasMessage("bad Stop at offset 2: unknown StopScope code 3");
        byte[] policy = new Encoder().str("s").i32(1).i32(0).toByteArray();
        assertThatThrownBy(() -> AttachCodecs.SEM_CREATE.decode(policy))
                .isInstanceOf(CodecException.class)
                .hasMessageEndingWith("unknown DeathPolicy code 0");
    }

    @Test
    void lengthsPastTheFrame_andNegativeTimeouts_areRefused() {
        byte[] secret = new Encoder().i64(1).i32(Integer.MAX_VALUE).toByteArray();
        assertThatThrownBy(() -> AttachCodecs.HELLO.decode(secret))
                .isInstanceOf(CodecException.class)
                .hasMessage("bad Hello at offset 8: a byte array of length 2147483647 with 0 byte(s) left");
        byte[] changes = new Encoder().i64(1).i32(1_000_000).toByteArray();
        assertThatThrownBy(() -> AttachCodecs.COMMIT.decode(changes))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("a list of Change of 1000000 element(s) with 0 byte(s) left");
        byte[] timeout = new Encoder().i64(-1).toByteArray();
        assertThatThrownBy(() -> AttachCodecs.TIMEOUT.decode(timeout))
                .isInstanceOf(CodecException.class)
                .hasMessage("bad Duration at offset 0: Duration refused its fields: negative timeout -1");
        byte[] both = new Encoder().i64(1).bytes(new byte[0]).i8(2).toByteArray();
        assertThatThrownBy(() -> AttachCodecs.REPLY.decode(both))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("a boolean is 0 or 1, found 2");
    }

    @Test
    void anAnswerTheChildCannotRead_isGuardianError2_notAnExceptionOfTheCodecs() {
        AttachFrames.Frame badCode = new AttachFrames.Frame(AttachFrames.OK, 1,
                ByteBuffer.wrap(new Encoder().i32(9).toByteArray()));
        assertThatThrownBy(() -> AttachClient.answer(badCode, AttachCodecs.PAIR_ROLE))
                .isInstanceOfSatisfying(GuardianException.class,
                        e -> assertThat(e.error()).isEqualTo(GuardianError.INVALID_OPERATION.number()))
                .hasMessageContaining("undecodable answer from the CPU")
                .hasMessageContaining("unknown PairRole code 9");
        AttachFrames.Frame trailing = new AttachFrames.Frame(AttachFrames.OK, 1,
                ByteBuffer.wrap(new Encoder().i32(1).i8(0).toByteArray()));
        assertThatThrownBy(() -> AttachClient.answer(trailing, AttachCodecs.PAIR_ROLE))
                .isInstanceOf(GuardianException.class)
                .hasMessageContaining("1 byte(s) left over");
        AttachFrames.Frame cutError = new AttachFrames.Frame(AttachFrames.ERROR, 1,
                ByteBuffer.wrap(new Encoder().i32(11).toByteArray()));
        assertThatThrownBy(() -> AttachClient.answer(cutError, AttachCodecs.PAIR_ROLE))
                .isInstanceOf(GuardianException.class)
                .hasMessageContaining("undecodable error from the CPU");
        AttachFrames.Frame error = new AttachFrames.Frame(AttachFrames.ERROR, 1, ByteBuffer.wrap(
                AttachCodecs.FAILURE.encode(new AttachCodecs.Failure(11, "no such process", 4))));
        assertThatThrownBy(() -> AttachClient.answer(error, AttachCodecs.PAIR_ROLE))
                .isInstanceOfSatisfying(AttachClient.RemoteError.class, e -> {
                    assertThat(e.error()).isEqualTo(11);
                    assertThat(e.syncId).isEqualTo(4);
                });
    }

    @SuppressWarnings("unchecked")
    private static byte[] encode(Codec<?> codec, Object v) {
        return ((Codec<Object>) codec).encode(v);
    }

    private static Object roundTrip(Codec<?> codec, Object v) {
        return codec.decode(encode(codec, v));
    }
}
