package org.openpair.emulator.node;

import static org.openpair.emulator.codec.GuardianCodecs.HANDLE;

import java.util.List;

import org.openpair.emulator.codec.Codec;
import org.openpair.emulator.codec.GuardianCodecs;
import org.openpair.emulator.codec.Scalars;
import org.openpair.emulator.codec.Union;
import org.openpair.guardian.ProcessHandle;

/**
 * The calls one CPU makes on another (ids 400-499): the task that carries one through the
 * engine's executor, its reply, and each call record. {@link #CALL} is also the payload of a
 * notification on the CPU link.
 */
public final class CpuCallCodecs {
    private CpuCallCodecs() {
    }

    /** 412: the request's layout grew a class path (404 carried the one without). */
    public static final Codec<CpuTask.Spawn> SPAWN = Codec.of(412, CpuTask.Spawn.class,
            (out, c) -> out.optional(GuardianCodecs.SPAWN_REQUEST, c.request()).optional(HANDLE, c.ancestor()),
            in -> new CpuTask.Spawn(in.optional(GuardianCodecs.SPAWN_REQUEST), in.optional(HANDLE)));

    public static final Codec<CpuTask.Stop> STOP = Codec.of(405, CpuTask.Stop.class,
            (out, c) -> out.optional(HANDLE, c.target()).optional(HANDLE, c.killer()),
            in -> new CpuTask.Stop(in.optional(HANDLE), in.optional(HANDLE)));

    public static final Codec<CpuTask.Promote> PROMOTE = Codec.of(406, CpuTask.Promote.class,
            (out, c) -> out.optional(HANDLE, c.backup()).optional(GuardianCodecs.TAKEOVER, c.takeover())
                    .optional(GuardianCodecs.SYSTEM_MESSAGE, c.message()).optional(HANDLE, c.newBackup()),
            in -> new CpuTask.Promote(in.optional(HANDLE), in.optional(GuardianCodecs.TAKEOVER),
                    in.optional(GuardianCodecs.SYSTEM_MESSAGE), in.optional(HANDLE)));

    public static final Codec<CpuTask.PartnerDied> PARTNER_DIED = Codec.of(407, CpuTask.PartnerDied.class,
            (out, c) -> out.optional(HANDLE, c.primary()).optional(HANDLE, c.deadBackup())
                    .optional(GuardianCodecs.SYSTEM_MESSAGE, c.message()),
            in -> new CpuTask.PartnerDied(in.optional(HANDLE), in.optional(HANDLE),
                    in.optional(GuardianCodecs.SYSTEM_MESSAGE)));

    public static final Codec<CpuTask.Kill> KILL = Codec.of(408, CpuTask.Kill.class,
            (out, c) -> {
                out.optional(HANDLE, c.target()).bool(c.signal() != null);
                if (c.signal() != null) {
                    out.constant(GuardianCodecs.SIGNAL, c.signal());
                }
                out.optional(HANDLE, c.sender());
            },
            in -> new CpuTask.Kill(in.optional(HANDLE), in.bool() ? in.constant(GuardianCodecs.SIGNAL) : null,
                    in.optional(HANDLE)));

    public static final Codec<CpuTask.CpuUp> CPU_UP = Codec.of(409, CpuTask.CpuUp.class,
            (out, c) -> out.i32(c.cpu()),
            in -> new CpuTask.CpuUp(in.i32()));

    public static final Codec<CpuTask.SwitchPair> SWITCH_PAIR = Codec.of(410, CpuTask.SwitchPair.class,
            (out, c) -> out.optional(HANDLE, c.primary()),
            in -> new CpuTask.SwitchPair(in.optional(HANDLE)));

    public static final Codec<CpuTask.ReplaceBackup> REPLACE_BACKUP = Codec.of(413, CpuTask.ReplaceBackup.class,
            (out, c) -> out.optional(HANDLE, c.primary()).bool(c.classPath() != null)
                    .collection(Scalars.STRING, c.classPath() == null ? List.of() : c.classPath()),
            in -> {
                ProcessHandle primary = in.optional(HANDLE);
                boolean given = in.bool();
                List<String> classPath = in.list(Scalars.STRING);
                return new CpuTask.ReplaceBackup(primary, given ? List.copyOf(classPath) : null);
            });

    public static final Codec<CpuTask.MemberClassPath> MEMBER_CLASS_PATH = Codec.of(414,
            CpuTask.MemberClassPath.class,
            (out, c) -> out.optional(HANDLE, c.member()).bool(c.candidate() != null)
                    .collection(Scalars.STRING, c.candidate() == null ? List.of() : c.candidate()),
            in -> {
                ProcessHandle member = in.optional(HANDLE);
                boolean given = in.bool();
                List<String> candidate = in.list(Scalars.STRING);
                return new CpuTask.MemberClassPath(member, given ? List.copyOf(candidate) : null);
            });

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static final Codec<CpuTask.CpuCall<?>> CALL = (Codec) Union.of(403, CpuTask.CpuCall.class, SPAWN, STOP,
            PROMOTE, PARTNER_DIED, KILL, CPU_UP, SWITCH_PAIR, REPLACE_BACKUP, MEMBER_CLASS_PATH);

    /**
     * 415: the task grew a seal (401 carried the call alone). The call travels as its own bytes,
     * so the receiver checks the seal over exactly what was sealed, not over a re-encoding.
     */
    public static final Codec<CpuTask<?>> TASK = Codec.ofRaw(415, CpuTask.class,
            (out, t) -> {
                out.bool(t.isNotice()).bytes(t.encodedCall()).bool(t.seal() != null);
                if (t.seal() != null) {
                    out.i32(t.seal().sender()).i64(t.seal().issuedMillis()).bytes(t.seal().nonce()).bytes(t.seal().mac());
                }
            },
            in -> {
                boolean notice = in.bool();
                byte[] call = in.bytes();
                CpuTask.Seal seal = in.bool() ? new CpuTask.Seal(in.i32(), in.i64(), in.bytes(), in.bytes()) : null;
                return CpuTask.received(notice, call, seal);
            });

    /** What a call returns: nothing, a flag, a new process, a death, a handle, a class path. */
    public static final Codec<Object> RESULT = Union.of(411, Object.class, Scalars.BOOLEAN,
            GuardianCodecs.PROCESS_INFO, GuardianCodecs.TERMINATION, HANDLE, Scalars.STRING);

    public static final Codec<CpuTask.Reply<?>> REPLY = Codec.ofRaw(402, CpuTask.Reply.class,
            (out, r) -> out.optional(RESULT, r.value()).i32(r.error()).optStr(r.message()),
            in -> new CpuTask.Reply<>(in.optional(RESULT), in.i32(), in.optStr()));

    /** Every codec of this family. */
    public static List<Codec<?>> all() {
        return List.of(TASK, REPLY, CALL, SPAWN, STOP, PROMOTE, PARTNER_DIED, KILL, CPU_UP, SWITCH_PAIR,
                REPLACE_BACKUP, MEMBER_CLASS_PATH, RESULT);
    }
}
