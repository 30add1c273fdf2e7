package org.openpair.emulator.codec;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.openpair.guardian.Acquisition;
import org.openpair.guardian.CheckpointResult;
import org.openpair.guardian.Consistency;
import org.openpair.guardian.CpuInfo;
import org.openpair.guardian.DeathPolicy;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.PairStatus;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.ProtectedState;
import org.openpair.guardian.ReceiveInfo;
import org.openpair.guardian.RestartPolicy;
import org.openpair.guardian.SemaphoreInfo;
import org.openpair.guardian.Signal;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.StopScope;
import org.openpair.guardian.SystemMessage;
import org.openpair.guardian.Takeover;
import org.openpair.guardian.TakeoverCause;
import org.openpair.guardian.Termination;
import org.openpair.guardian.TerminationCause;

/**
 * The public API's values as they cross between CPUs and clients (ids 100-199): the API keeps
 * its shape for programs, the wire keeps its own, and neither changes the other by accident.
 */
public final class GuardianCodecs {
    private GuardianCodecs() {
    }

    public static final EnumCode<TerminationCause> TERMINATION_CAUSE = EnumCode.of(TerminationCause.class,
            c -> switch (c) {
                case RETURNED -> 1;
                case ABENDED -> 2;
                case EXITED -> 3;
                case SIGNALLED -> 4;
                case STOPPED -> 5;
                case CPU_DOWN -> 6;
                case FENCED -> 7;
                case LOOP_TIMEOUT -> 8;
            });

    public static final EnumCode<TakeoverCause> TAKEOVER_CAUSE = EnumCode.of(TakeoverCause.class,
            c -> switch (c) {
                case PRIMARY_STOPPED -> 1;
                case PRIMARY_ABENDED -> 2;
                case CPU_FAILED -> 3;
                case SWITCH -> 4;
                case PRIMARY_LOOP_TIMEOUT -> 5;
            });

    public static final EnumCode<RestartPolicy.Type> RESTART_TYPE = EnumCode.of(RestartPolicy.Type.class,
            t -> switch (t) {
                case PERMANENT -> 1;
                case TRANSIENT -> 2;
                case TEMPORARY -> 3;
            });

    public static final EnumCode<PairRole> PAIR_ROLE = EnumCode.of(PairRole.class,
            r -> switch (r) {
                case PRIMARY -> 1;
                case BACKUP -> 2;
                case SINGLE -> 3;
            });

    public static final EnumCode<DeathPolicy> DEATH_POLICY = EnumCode.of(DeathPolicy.class,
            p -> switch (p) {
                case RELEASE -> 1;
                case ORPHAN -> 2;
                case HANDOVER -> 3;
            });

    public static final EnumCode<Consistency> CONSISTENCY = EnumCode.of(Consistency.class,
            c -> switch (c) {
                case CONSISTENT -> 1;
                case OWNER_DIED -> 2;
                case NOT_RECOVERABLE -> 3;
            });

    /** The API's own numbers, which are Guardian's: a checkpoint's status, a pair's, a stop's specifier. */
    public static final EnumCode<CheckpointResult> CHECKPOINT_RESULT = EnumCode.of(CheckpointResult.class,
            CheckpointResult::status);

    public static final EnumCode<PairStatus> PAIR_STATUS = EnumCode.of(PairStatus.class, PairStatus::code);

    public static final EnumCode<StopScope> STOP_SCOPE = EnumCode.of(StopScope.class, StopScope::specifier);

    /** A signal travels as its number, which is what it is in Guardian. */
    public static final EnumCode<Signal> SIGNAL = EnumCode.of(Signal.class, Signal::number);

    public static final Codec<ProcessHandle> HANDLE = Codec.of(101, ProcessHandle.class,
            (out, h) -> out.str(h.node()).i32(h.cpu()).i32(h.pin()).i64(h.verifier()),
            in -> new ProcessHandle(in.str(), in.i32(), in.i32(), in.i64()));

    /** As its text, so the reader applies the same rules as any other name it is given. */
    public static final Codec<ProcessName> NAME = Codec.of(102, ProcessName.class,
            (out, n) -> out.str(n.toString()),
            in -> ProcessName.of(in.str()));

    public static final Codec<Program.Hosted> HOSTED = Codec.of(104, Program.Hosted.class,
            (out, p) -> out.str(p.className()),
            in -> new Program.Hosted(in.str()));

    public static final Codec<Program.Java> JAVA = Codec.of(105, Program.Java.class,
            (out, p) -> out.str(p.className()),
            in -> new Program.Java(in.str()));

    public static final Codec<Program.Executable> EXECUTABLE = Codec.of(106, Program.Executable.class,
            (out, p) -> out.str(p.path()),
            in -> new Program.Executable(in.str()));

    public static final Codec<Program> PROGRAM = Union.of(103, Program.class, HOSTED, JAVA, EXECUTABLE);

    /**
     * Read back through the builder, so a request is checked as the caller's was. A backup's
     * request carries its primary's name once routed, which the builder refuses to build, so the
     * name is applied to the built request as the router does. 124 since the program's class
     * path was added after the backup flag (107 was the layout without it).
     */
    public static final Codec<SpawnRequest> SPAWN_REQUEST = Codec.of(124, SpawnRequest.class,
            (out, r) -> out.value(PROGRAM, r.program()).optional(NAME, r.name()).i32(r.cpu()).i32(r.priority())
                    .collection(Scalars.STRING, r.args()).map(Scalars.STRING, Scalars.STRING, r.env())
                    .bool(r.isMyBackup()).collection(Scalars.STRING, r.classPath()),
            in -> {
                SpawnRequest.Builder b = SpawnRequest.of(in.value(PROGRAM));
                ProcessName name = in.optional(NAME);
                b.cpu(in.i32()).priority(in.i32()).args(in.list(Scalars.STRING));
                in.map(Scalars.STRING, Scalars.STRING).forEach(b::env);
                if (in.bool()) {
                    b.myBackup();
                }
                b.classPath(in.list(Scalars.STRING));
                SpawnRequest r = b.build();
                return name == null ? r : r.withName(name);
            });

    public static final Codec<ProcessInfo> PROCESS_INFO = Codec.of(108, ProcessInfo.class,
            (out, p) -> out.value(HANDLE, p.handle()).optional(NAME, p.name()).optional(PROGRAM, p.program())
                    .i32(p.priority()).i64(p.pid()).optInstant(p.started()).optional(HANDLE, p.ancestor())
                    .optStr(p.logFile()),
            in -> new ProcessInfo(in.value(HANDLE), in.optional(NAME), in.optional(PROGRAM), in.i32(), in.i64(),
                    in.optInstant(), in.optional(HANDLE), in.optStr()));

    public static final Codec<Termination> TERMINATION = Codec.of(109, Termination.class,
            (out, t) -> out.value(HANDLE, t.process()).optional(NAME, t.name()).optStr(t.program())
                    .constant(TERMINATION_CAUSE, t.cause()).i32(t.completionCode()).i32(t.exitStatus()).i32(t.signal())
                    .optional(HANDLE, t.killer()).str(t.detail()).instant(t.at()),
            in -> new Termination(in.value(HANDLE), in.optional(NAME), in.optStr(), in.constant(TERMINATION_CAUSE),
                    in.i32(), in.i32(), in.i32(), in.optional(HANDLE), in.str(), in.instant()));

    public static final Codec<Takeover> TAKEOVER = Codec.of(110, Takeover.class,
            (out, t) -> out.constant(TAKEOVER_CAUSE, t.cause()).optional(HANDLE, t.oldPrimary())
                    .optional(TERMINATION, t.termination()).i64(t.epoch()),
            in -> new Takeover(in.constant(TAKEOVER_CAUSE), in.optional(HANDLE), in.optional(TERMINATION), in.i64()));

    public static final Codec<SystemMessage.ProcessDeletion> PROCESS_DELETION = Codec.of(112,
            SystemMessage.ProcessDeletion.class,
            (out, m) -> out.optional(TERMINATION, m.termination()),
            in -> new SystemMessage.ProcessDeletion(in.optional(TERMINATION)));

    public static final Codec<SystemMessage.CpuDown> CPU_DOWN = Codec.of(113, SystemMessage.CpuDown.class,
            (out, m) -> out.i32(m.cpu()).optional(TERMINATION, m.termination()),
            in -> new SystemMessage.CpuDown(in.i32(), in.optional(TERMINATION)));

    public static final Codec<SystemMessage.CpuUp> CPU_UP = Codec.of(114, SystemMessage.CpuUp.class,
            (out, m) -> out.i32(m.cpu()),
            in -> new SystemMessage.CpuUp(in.i32()));

    public static final Codec<SystemMessage.ProcessOpen> PROCESS_OPEN = Codec.of(115, SystemMessage.ProcessOpen.class,
            (out, m) -> out.optional(HANDLE, m.opener()).i64(m.openId()).i32(m.syncDepth()),
            in -> new SystemMessage.ProcessOpen(in.optional(HANDLE), in.i64(), in.i32()));

    public static final Codec<SystemMessage.ProcessClose> PROCESS_CLOSE = Codec.of(116,
            SystemMessage.ProcessClose.class,
            (out, m) -> out.optional(HANDLE, m.opener()).i64(m.openId()),
            in -> new SystemMessage.ProcessClose(in.optional(HANDLE), in.i64()));

    public static final Codec<SystemMessage> SYSTEM_MESSAGE = Union.of(111, SystemMessage.class, PROCESS_DELETION,
            CPU_DOWN, CPU_UP, PROCESS_OPEN, PROCESS_CLOSE);

    public static final Codec<Acquisition> ACQUISITION = Codec.of(117, Acquisition.class,
            (out, a) -> out.str(a.semaphore()).i32(a.permits()).bool(a.ownerDied()).collection(HANDLE, a.deadOwners()),
            in -> new Acquisition(in.str(), in.i32(), in.bool(), in.list(HANDLE)));

    /** Read back through its constructor, so a bad intensity or period is refused as a caller's would be. */
    public static final Codec<RestartPolicy> RESTART_POLICY = Codec.of(118, RestartPolicy.class,
            (out, p) -> out.constant(RESTART_TYPE, p.type()).i32(p.maxRestarts()).i64(p.period().toMillis()),
            in -> new RestartPolicy(in.constant(RESTART_TYPE), in.i32(), Duration.ofMillis(in.i64())));

    public static final Codec<PairInfo> PAIR_INFO = Codec.of(119, PairInfo.class,
            (out, p) -> out.constant(PAIR_STATUS, p.status()).optional(NAME, p.name()).optional(HANDLE, p.primary())
                    .optional(HANDLE, p.backup()).optional(HANDLE, p.ancestor()).i64(p.epoch()).bool(p.backupReady()),
            in -> new PairInfo(in.constant(PAIR_STATUS), in.optional(NAME), in.optional(HANDLE), in.optional(HANDLE),
                    in.optional(HANDLE), in.i64(), in.bool()));

    public static final Codec<CpuInfo> CPU_INFO = Codec.of(120, CpuInfo.class,
            (out, c) -> out.i32(c.cpu()).optStr(c.address()).optInstant(c.started()).i32(c.processes()),
            in -> new CpuInfo(in.i32(), in.optStr(), in.optInstant(), in.i32()));

    public static final Codec<SemaphoreInfo> SEMAPHORE_INFO = Codec.of(121, SemaphoreInfo.class,
            (out, i) -> out.str(i.name()).i32(i.permits()).i32(i.available()).constant(DEATH_POLICY, i.policy())
                    .constant(CONSISTENCY, i.consistency()).map(HANDLE, Scalars.INT, i.holders())
                    .map(HANDLE, Scalars.INT, i.orphans()).collection(HANDLE, i.deadOwners()).i32(i.waiters())
                    .i64(i.stateVersion()),
            in -> new SemaphoreInfo(in.str(), in.i32(), in.i32(), in.constant(DEATH_POLICY), in.constant(CONSISTENCY),
                    in.map(HANDLE, Scalars.INT), in.map(HANDLE, Scalars.INT), in.list(HANDLE), in.i32(), in.i64()));

    public static final Codec<ProtectedState> PROTECTED_STATE = Codec.of(122, ProtectedState.class,
            (out, s) -> {
                Map<String, byte[]> values = new LinkedHashMap<>();
                s.keys().forEach(k -> values.put(k, s.get(k).orElseThrow()));
                out.i64(s.version()).map(Scalars.STRING, Scalars.BYTES, values);
            },
            in -> {
                long version = in.i64();
                return new ProtectedState(in.map(Scalars.STRING, Scalars.BYTES), version);
            });

    public static final Codec<ReceiveInfo> RECEIVE_INFO = Codec.of(123, ReceiveInfo.class,
            (out, r) -> out.optional(HANDLE, r.opener()).i64(r.openId()).i64(r.syncId()).i32(r.syncDepth()),
            in -> new ReceiveInfo(in.optional(HANDLE), in.i64(), in.i64(), in.i32()));

    /** Every codec of this family. */
    public static List<Codec<?>> all() {
        return List.of(HANDLE, NAME, PROGRAM, HOSTED, JAVA, EXECUTABLE, SPAWN_REQUEST, PROCESS_INFO, TERMINATION,
                TAKEOVER, SYSTEM_MESSAGE, PROCESS_DELETION, CPU_DOWN, CPU_UP, PROCESS_OPEN, PROCESS_CLOSE, ACQUISITION,
                RESTART_POLICY, PAIR_INFO, CPU_INFO, SEMAPHORE_INFO, PROTECTED_STATE, RECEIVE_INFO);
    }
}
