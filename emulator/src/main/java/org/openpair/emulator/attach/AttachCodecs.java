package org.openpair.emulator.attach;

import static org.openpair.emulator.codec.GuardianCodecs.HANDLE;
import static org.openpair.emulator.codec.GuardianCodecs.NAME;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.openpair.emulator.codec.Codec;
import org.openpair.emulator.codec.CodecException;
import org.openpair.emulator.codec.Decoder;
import org.openpair.emulator.codec.EnumCode;
import org.openpair.emulator.codec.GuardianCodecs;
import org.openpair.emulator.codec.Scalars;
import org.openpair.guardian.CheckpointResult;
import org.openpair.guardian.CpuInfo;
import org.openpair.guardian.DeathPolicy;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.ReceiveInfo;
import org.openpair.guardian.RestartPolicy;
import org.openpair.guardian.SemaphoreInfo;
import org.openpair.guardian.Signal;
import org.openpair.guardian.StopScope;
import org.openpair.guardian.SystemMessage;
import org.openpair.guardian.Takeover;
import org.openpair.guardian.Termination;
import org.openpair.guardian.TerminationCause;

/**
 * The payloads of the attach socket (ids 700-799), written by the runtime's one codec like every
 * other value that crosses a process boundary: the handshake, an error answer, a routed signal,
 * and the arguments and answers of the calls that are no value of the public API (those are
 * {@link GuardianCodecs}'). Whatever the codec refuses is a protocol error on the CPU's side and
 * a Guardian error 2 on the child's; either way the peer's bytes never become a default.
 *
 * <p>The CPU reads the API values in the arguments (a spawn request, a name) as the child built
 * them, through their own constructors and builders, so a request a child could build is one the
 * CPU reads; only a hostile child meets a refusal here.
 */
final class AttachCodecs {
    private AttachCodecs() {
    }

    /** The arguments of a call that takes none, and the answer of one that returns nothing. */
    record Nothing() {
        static final Nothing VALUE = new Nothing();
    }

    /** The child's first frame: whose process it is and the secret the CPU gave that process. */
    record Hello(long verifier, byte[] secret) {
    }

    /** The CPU's answer to HELLO: what the child answers locally from then on. */
    record Welcome(ProcessHandle self, ProcessName name, List<String> args, Map<String, String> env,
                   String nodeName) {
    }

    /** An ERROR frame: the Guardian error, and the sync ID a failed WRITEREAD consumed (-1 otherwise). */
    record Failure(int error, String message, long syncId) {
    }

    /** A signal for the process (SIGNAL frame), or one whose default action ended it there (SIGNAL_END). */
    record SignalNote(Signal signal, ProcessHandle sender) {
    }

    record End(boolean abended, String detail) {
    }

    record CreateBackup(int cpu, RestartPolicy policy) {
    }

    record KeyValue(String key, String value) {
    }

    record OpenReceive(int depth, boolean openMessages) {
    }

    /** A request read from $RECEIVE; the child replies to it by {@code request}. */
    record Update(long request, byte[] data, ReceiveInfo info) {
    }

    /** A reply with its checkpoint, or (exactly one of the two) with its state changes. */
    record Reply(long request, byte[] reply, byte[] checkpoint, Map<String, String> changes) {
        Reply {
            if ((checkpoint == null) == (changes == null)) {
                throw new IllegalArgumentException("a reply carries a checkpoint or state changes, not both or "
                        + "neither");
            }
        }
    }

    record FileOpen(ProcessName name, int syncDepth) {
    }

    record Opened(long file, ProcessHandle server) {
    }

    record WriteRead(long file, byte[] request, Duration timeout) {
    }

    record Written(byte[] reply, long syncId, ProcessHandle server) {
    }

    record SemCreate(String name, int permits, DeathPolicy policy) {
    }

    /** How an acquire waits: until it has the permits, not at all, or up to its timeout. */
    enum AcquireMode { WAIT, TRY, TRY_FOR }

    record Acquire(long semaphore, int permits, AcquireMode mode, Duration timeout) {
    }

    record Permits(long semaphore, int permits) {
    }

    /** One change of a semaphore's protected state: a put, or a remove ({@code value} null). */
    record Change(String key, byte[] value) {
    }

    /** Changes in the order the program made them: a put after a remove of one key wins. */
    record Commit(long semaphore, List<Change> changes) {
    }

    record Stop(ProcessHandle process, StopScope scope) {
    }

    record Compare(ProcessHandle a, ProcessHandle b) {
    }

    record Kill(ProcessHandle process, Signal signal) {
    }

    record KillName(ProcessName name, Signal signal) {
    }

    /** {@code guardian upgrade}'s question: the pair and its new class path. */
    record Upgrade(ProcessName name, List<String> classPath) {
    }

    static final EnumCode<AcquireMode> ACQUIRE_MODE = EnumCode.of(AcquireMode.class, m -> switch (m) {
        case WAIT -> 1;
        case TRY -> 2;
        case TRY_FOR -> 3;
    });

    static final Codec<Nothing> NOTHING = Codec.of(701, Nothing.class, (out, n) -> { }, in -> Nothing.VALUE);

    /** Whole milliseconds, never negative: the child clamps what its caller passed. */
    static final Codec<Duration> TIMEOUT = Codec.of(702, Duration.class,
            (out, d) -> out.i64(d.toMillis()),
            in -> {
                long millis = in.i64();
                if (millis < 0) {
                    throw new IllegalArgumentException("negative timeout " + millis);
                }
                return Duration.ofMillis(millis);
            });

    /** A caller's timeout as it travels: whole milliseconds, a negative one as none, a huge one capped. */
    static Duration timeout(Duration d) {
        if (d.isNegative()) {
            return Duration.ZERO;
        }
        return Duration.ofMillis(d.compareTo(Duration.ofMillis(Long.MAX_VALUE / 2)) > 0 ? Long.MAX_VALUE / 2
                : d.toMillis());
    }

    static final Codec<Hello> HELLO = Codec.of(703, Hello.class,
            (out, h) -> out.i64(h.verifier()).bytes(h.secret()),
            in -> new Hello(in.i64(), in.bytes()));

    static final Codec<Welcome> WELCOME = Codec.of(704, Welcome.class,
            (out, w) -> out.value(HANDLE, w.self()).optional(NAME, w.name()).collection(Scalars.STRING, w.args())
                    .map(Scalars.STRING, Scalars.STRING, w.env()).str(w.nodeName()),
            in -> new Welcome(in.value(HANDLE), in.optional(NAME), List.copyOf(in.list(Scalars.STRING)),
                    Map.copyOf(in.map(Scalars.STRING, Scalars.STRING)), in.str()));

    static final Codec<Failure> FAILURE = Codec.of(705, Failure.class,
            (out, f) -> out.i32(f.error()).str(f.message()).i64(f.syncId()),
            in -> new Failure(in.i32(), in.str(), in.i64()));

    static final Codec<SignalNote> SIGNAL_NOTE = Codec.of(706, SignalNote.class,
            (out, s) -> out.constant(GuardianCodecs.SIGNAL, s.signal()).optional(HANDLE, s.sender()),
            in -> new SignalNote(in.constant(GuardianCodecs.SIGNAL), in.optional(HANDLE)));

    static final Codec<End> END = Codec.of(707, End.class,
            (out, e) -> out.bool(e.abended()).str(e.detail()),
            in -> new End(in.bool(), in.str()));

    static final Codec<CreateBackup> CREATE_BACKUP = Codec.of(708, CreateBackup.class,
            (out, c) -> out.i32(c.cpu()).value(GuardianCodecs.RESTART_POLICY, c.policy()),
            in -> new CreateBackup(in.i32(), in.value(GuardianCodecs.RESTART_POLICY)));

    static final Codec<KeyValue> KEY_VALUE = Codec.of(709, KeyValue.class,
            (out, kv) -> out.str(kv.key()).str(kv.value()),
            in -> new KeyValue(in.str(), in.str()));

    static final Codec<OpenReceive> OPEN_RECEIVE = Codec.of(710, OpenReceive.class,
            (out, o) -> out.i32(o.depth()).bool(o.openMessages()),
            in -> new OpenReceive(in.i32(), in.bool()));

    static final Codec<Update> UPDATE = Codec.of(711, Update.class,
            (out, u) -> out.i64(u.request()).bytes(u.data()).value(GuardianCodecs.RECEIVE_INFO, u.info()),
            in -> new Update(in.i64(), in.bytes(), in.value(GuardianCodecs.RECEIVE_INFO)));

    static final Codec<Reply> REPLY = Codec.of(712, Reply.class,
            (out, r) -> {
                out.i64(r.request()).bytes(r.reply()).bool(r.changes() != null);
                if (r.changes() != null) {
                    out.map(Scalars.STRING, Scalars.STRING, r.changes());
                } else {
                    out.bytes(r.checkpoint());
                }
            },
            in -> {
                long request = in.i64();
                byte[] reply = in.bytes();
                return in.bool() ? new Reply(request, reply, null, in.map(Scalars.STRING, Scalars.STRING))
                        : new Reply(request, reply, in.bytes(), null);
            });

    static final Codec<FileOpen> FILE_OPEN = Codec.of(713, FileOpen.class,
            (out, f) -> out.value(NAME, f.name()).i32(f.syncDepth()),
            in -> new FileOpen(in.value(NAME), in.i32()));

    static final Codec<Opened> OPENED = Codec.of(714, Opened.class,
            (out, o) -> out.i64(o.file()).value(HANDLE, o.server()),
            in -> new Opened(in.i64(), in.value(HANDLE)));

    static final Codec<WriteRead> WRITE_READ = Codec.of(715, WriteRead.class,
            (out, w) -> out.i64(w.file()).bytes(w.request()).value(TIMEOUT, w.timeout()),
            in -> new WriteRead(in.i64(), in.bytes(), in.value(TIMEOUT)));

    static final Codec<Written> WRITTEN = Codec.of(716, Written.class,
            (out, w) -> out.bytes(w.reply()).i64(w.syncId()).value(HANDLE, w.server()),
            in -> new Written(in.bytes(), in.i64(), in.value(HANDLE)));

    static final Codec<SemCreate> SEM_CREATE = Codec.of(717, SemCreate.class,
            (out, s) -> out.str(s.name()).i32(s.permits()).constant(GuardianCodecs.DEATH_POLICY, s.policy()),
            in -> new SemCreate(in.str(), in.i32(), in.constant(GuardianCodecs.DEATH_POLICY)));

    static final Codec<Acquire> ACQUIRE = Codec.of(718, Acquire.class,
            (out, a) -> out.i64(a.semaphore()).i32(a.permits()).constant(ACQUIRE_MODE, a.mode())
                    .value(TIMEOUT, a.timeout()),
            in -> new Acquire(in.i64(), in.i32(), in.constant(ACQUIRE_MODE), in.value(TIMEOUT)));

    static final Codec<Permits> PERMITS = Codec.of(719, Permits.class,
            (out, p) -> out.i64(p.semaphore()).i32(p.permits()),
            in -> new Permits(in.i64(), in.i32()));

    static final Codec<Change> CHANGE = Codec.of(720, Change.class,
            (out, c) -> {
                out.str(c.key()).bool(c.value() != null);
                if (c.value() != null) {
                    out.bytes(c.value());
                }
            },
            in -> new Change(in.str(), in.bool() ? in.bytes() : null));

    static final Codec<Commit> COMMIT = Codec.of(721, Commit.class,
            (out, c) -> out.i64(c.semaphore()).collection(CHANGE, c.changes()),
            in -> new Commit(in.i64(), List.copyOf(in.list(CHANGE))));

    static final Codec<Stop> STOP = Codec.of(722, Stop.class,
            (out, s) -> optConstant(out.optional(HANDLE, s.process()), GuardianCodecs.STOP_SCOPE, s.scope()),
            in -> new Stop(in.optional(HANDLE), in.bool() ? in.constant(GuardianCodecs.STOP_SCOPE) : null));

    static final Codec<Compare> COMPARE = Codec.of(723, Compare.class,
            (out, c) -> out.optional(HANDLE, c.a()).optional(HANDLE, c.b()),
            in -> new Compare(in.optional(HANDLE), in.optional(HANDLE)));

    static final Codec<Kill> KILL = Codec.of(724, Kill.class,
            (out, k) -> optConstant(out.optional(HANDLE, k.process()), GuardianCodecs.SIGNAL, k.signal()),
            in -> new Kill(in.optional(HANDLE), in.bool() ? in.constant(GuardianCodecs.SIGNAL) : null));

    static final Codec<KillName> KILL_NAME = Codec.of(725, KillName.class,
            (out, k) -> optConstant(out.optional(NAME, k.name()), GuardianCodecs.SIGNAL, k.signal()),
            in -> new KillName(in.optional(NAME), in.bool() ? in.constant(GuardianCodecs.SIGNAL) : null));

    static final Codec<Upgrade> UPGRADE = Codec.of(726, Upgrade.class,
            (out, u) -> out.optional(NAME, u.name()).collection(Scalars.STRING, u.classPath()),
            in -> new Upgrade(in.optional(NAME), List.copyOf(in.list(Scalars.STRING))));

    static final Codec<org.openpair.emulator.procedures.PairUpgrade.Step> UPGRADE_STEP = Codec.of(727,
            org.openpair.emulator.procedures.PairUpgrade.Step.class,
            (out, s) -> out.str(s.step()).i64(s.millis()).str(s.detail()),
            in -> new org.openpair.emulator.procedures.PairUpgrade.Step(in.str(), in.i64(), in.str()));

    static final Codec<PairRole> PAIR_ROLE = GuardianCodecs.PAIR_ROLE.codec(740);
    static final Codec<CheckpointResult> CHECKPOINT_RESULT = GuardianCodecs.CHECKPOINT_RESULT.codec(741);
    static final Codec<Signal> SIGNAL = GuardianCodecs.SIGNAL.codec(742);

    static final Codec<Optional<ProcessHandle>> OPT_HANDLE = optional(750, HANDLE);
    static final Codec<Optional<ProcessName>> OPT_NAME = optional(751, NAME);
    static final Codec<Optional<String>> OPT_STRING = optional(752, Scalars.STRING);
    static final Codec<Optional<ProcessInfo>> OPT_PROCESS_INFO = optional(753, GuardianCodecs.PROCESS_INFO);
    static final Codec<Optional<Termination>> OPT_TERMINATION = optional(754, GuardianCodecs.TERMINATION);
    static final Codec<Optional<SystemMessage>> OPT_SYSTEM_MESSAGE = optional(755, GuardianCodecs.SYSTEM_MESSAGE);
    static final Codec<Optional<Update>> OPT_UPDATE = optional(756, UPDATE);
    static final Codec<Optional<org.openpair.guardian.Acquisition>> OPT_ACQUISITION = optional(757,
            GuardianCodecs.ACQUISITION);

    static final Codec<List<ProcessInfo>> PROCESS_INFOS = list(760, GuardianCodecs.PROCESS_INFO);
    static final Codec<List<CpuInfo>> CPU_INFOS = list(761, GuardianCodecs.CPU_INFO);
    static final Codec<List<Termination>> TERMINATIONS = list(762, GuardianCodecs.TERMINATION);
    static final Codec<List<SemaphoreInfo>> SEMAPHORE_INFOS = list(763, GuardianCodecs.SEMAPHORE_INFO);
    static final Codec<List<org.openpair.emulator.procedures.PairUpgrade.Step>> UPGRADE_STEPS = list(765,
            UPGRADE_STEP);

    static final Codec<Map<String, String>> STRING_MAP = Codec.ofRaw(764, Map.class,
            (out, m) -> out.map(Scalars.STRING, Scalars.STRING, m),
            in -> Map.copyOf(in.map(Scalars.STRING, Scalars.STRING)));

    private static <E extends Enum<E>> void optConstant(org.openpair.emulator.codec.Encoder out, EnumCode<E> code,
            E value) {
        out.bool(value != null);
        if (value != null) {
            out.constant(code, value);
        }
    }

    private static <T> Codec<Optional<T>> optional(int id, Codec<T> codec) {
        return Codec.ofRaw(id, Optional.class,
                (out, v) -> out.optional(codec, v.orElse(null)),
                in -> Optional.ofNullable(in.optional(codec)));
    }

    private static <T> Codec<List<T>> list(int id, Codec<T> codec) {
        return Codec.ofRaw(id, List.class,
                (out, v) -> out.collection(codec, v),
                in -> List.copyOf(in.list(codec)));
    }

    /** A frame's whole payload as one value of {@code codec}; anything else is a {@link CodecException}. */
    static <T> T read(Codec<T> codec, ByteBuffer payload) {
        Decoder in = decoder(payload);
        T value = in.value(codec);
        in.end(codec.name());
        return value;
    }

    /** Reads a frame's payload where it lies. */
    static Decoder decoder(ByteBuffer payload) {
        return new Decoder(payload.array(), payload.arrayOffset() + payload.position(), payload.remaining());
    }

    /** Every codec of this family. */
    static List<Codec<?>> all() {
        return List.of(NOTHING, TIMEOUT, HELLO, WELCOME, FAILURE, SIGNAL_NOTE, END, CREATE_BACKUP, KEY_VALUE,
                OPEN_RECEIVE, UPDATE, REPLY, FILE_OPEN, OPENED, WRITE_READ, WRITTEN, SEM_CREATE, ACQUIRE, PERMITS,
                CHANGE, COMMIT, STOP, COMPARE, KILL, KILL_NAME, PAIR_ROLE, CHECKPOINT_RESULT, SIGNAL, OPT_HANDLE,
                OPT_NAME, OPT_STRING, OPT_PROCESS_INFO, OPT_TERMINATION, OPT_SYSTEM_MESSAGE, OPT_UPDATE,
                OPT_ACQUISITION, PROCESS_INFOS, CPU_INFOS, TERMINATIONS, SEMAPHORE_INFOS, STRING_MAP, UPGRADE,
                UPGRADE_STEP, UPGRADE_STEPS);
    }

    /**
     * Runs the takeover path's decoders on made-up records, so their classes are loaded while a
     * backup waits rather than after its primary died.
     */
    static void warmUp() {
        ProcessHandle h = new ProcessHandle("WARM", 0, 1, 1);
        Termination t = new Termination(h, ProcessName.of("$WARM"), "warm", TerminationCause.SIGNALLED, 5, -1, 9, h,
                "warm", Instant.now());
        Takeover takeover = new Takeover(org.openpair.guardian.TakeoverCause.PRIMARY_ABENDED, h, t, 2);
        Optional<SystemMessage> message = Optional.of(new SystemMessage.ProcessDeletion(t));
        try {
            for (int i = 0; i < 50; i++) {
                GuardianCodecs.TAKEOVER.decode(GuardianCodecs.TAKEOVER.encode(takeover));
                OPT_SYSTEM_MESSAGE.decode(OPT_SYSTEM_MESSAGE.encode(message));
            }
        } catch (CodecException e) {
            throw new IllegalStateException("the codec cannot read what it wrote", e);
        }
    }
}
