package org.openpair.emulator.attach;

import static org.openpair.emulator.attach.AttachCodecs.NOTHING;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.openpair.emulator.attach.AttachCodecs.Acquire;
import org.openpair.emulator.attach.AttachCodecs.Commit;
import org.openpair.emulator.attach.AttachCodecs.Compare;
import org.openpair.emulator.attach.AttachCodecs.CreateBackup;
import org.openpair.emulator.attach.AttachCodecs.End;
import org.openpair.emulator.attach.AttachCodecs.FileOpen;
import org.openpair.emulator.attach.AttachCodecs.KeyValue;
import org.openpair.emulator.attach.AttachCodecs.Kill;
import org.openpair.emulator.attach.AttachCodecs.KillName;
import org.openpair.emulator.attach.AttachCodecs.Nothing;
import org.openpair.emulator.attach.AttachCodecs.OpenReceive;
import org.openpair.emulator.attach.AttachCodecs.Opened;
import org.openpair.emulator.attach.AttachCodecs.Permits;
import org.openpair.emulator.attach.AttachCodecs.Reply;
import org.openpair.emulator.attach.AttachCodecs.SemCreate;
import org.openpair.emulator.attach.AttachCodecs.SignalNote;
import org.openpair.emulator.attach.AttachCodecs.Stop;
import org.openpair.emulator.attach.AttachCodecs.Update;
import org.openpair.emulator.attach.AttachCodecs.WriteRead;
import org.openpair.emulator.attach.AttachCodecs.Written;
import org.openpair.emulator.attach.AttachFrames.GuardianOp;
import org.openpair.emulator.attach.AttachFrames.Op;
import org.openpair.emulator.codec.Codec;
import org.openpair.emulator.codec.Encoder;
import org.openpair.emulator.codec.GuardianCodecs;
import org.openpair.emulator.codec.Scalars;
import org.openpair.emulator.events.EventBatch;
import org.openpair.emulator.events.EventCodecs;
import org.openpair.emulator.events.EventQuery;
import org.openpair.guardian.Acquisition;
import org.openpair.guardian.CheckpointResult;
import org.openpair.guardian.CpuInfo;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.ProtectedState;
import org.openpair.guardian.SemaphoreInfo;
import org.openpair.guardian.Signal;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.SystemMessage;
import org.openpair.guardian.Takeover;
import org.openpair.guardian.Termination;

/**
 * Every call of the attach protocol, as both ends know it: its operation (and, for a Guardian
 * procedure, which one), the codec of its arguments and the codec of its answer. The child
 * writes a call with {@link Call#write}; the CPU looks the call up by {@link Call#key} and reads
 * its arguments with the same codec, so the two ends cannot disagree on a field.
 */
final class AttachCalls {
    private AttachCalls() {
    }

    /**
     * One call: a CALL frame's payload is the operation byte, the procedure byte of a
     * {@link Op#GUARDIAN} call, then the arguments; an OK frame's payload is the answer.
     */
    record Call<A, R>(byte op, byte procedure, Codec<A> args, Codec<R> result) {
        static int key(int op, int procedure) {
            return op << 8 | procedure;
        }

        int key() {
            return key(op, procedure);
        }

        byte[] write(A value) {
            Encoder out = new Encoder().i8(op);
            if (op == Op.GUARDIAN) {
                out.i8(procedure);
            }
            return out.value(args, value).toByteArray();
        }
    }

    private static <A, R> Call<A, R> call(byte op, Codec<A> args, Codec<R> result) {
        return new Call<>(op, (byte) 0, args, result);
    }

    private static <A, R> Call<A, R> guardian(byte procedure, Codec<A> args, Codec<R> result) {
        return new Call<>(Op.GUARDIAN, procedure, args, result);
    }

    // ---- the process and its pair ----------------------------------------------------------

    static final Call<Nothing, PairRole> ROLE = call(Op.ROLE, NOTHING, AttachCodecs.PAIR_ROLE);
    static final Call<Nothing, Boolean> STOP_REQUESTED = call(Op.STOP_REQUESTED, NOTHING, Scalars.BOOLEAN);
    static final Call<End, Nothing> END = call(Op.END, AttachCodecs.END, NOTHING);
    static final Call<CreateBackup, ProcessHandle> CREATE_BACKUP = call(Op.CREATE_BACKUP,
            AttachCodecs.CREATE_BACKUP, GuardianCodecs.HANDLE);
    static final Call<byte[], CheckpointResult> CHECKPOINT = call(Op.CHECKPOINT, Scalars.BYTES,
            AttachCodecs.CHECKPOINT_RESULT);
    static final Call<byte[], CheckpointResult> CHECKPOINT_ASYNC = call(Op.CHECKPOINT_ASYNC, Scalars.BYTES,
            AttachCodecs.CHECKPOINT_RESULT);
    static final Call<String, Optional<String>> STATE_GET = call(Op.STATE_GET, Scalars.STRING,
            AttachCodecs.OPT_STRING);
    static final Call<KeyValue, CheckpointResult> STATE_PUT = call(Op.STATE_PUT, AttachCodecs.KEY_VALUE,
            AttachCodecs.CHECKPOINT_RESULT);
    static final Call<String, CheckpointResult> STATE_REMOVE = call(Op.STATE_REMOVE, Scalars.STRING,
            AttachCodecs.CHECKPOINT_RESULT);
    static final Call<Nothing, Map<String, String>> STATE_SNAPSHOT = call(Op.STATE_SNAPSHOT, NOTHING,
            AttachCodecs.STRING_MAP);
    static final Call<Nothing, Takeover> AWAIT_TAKEOVER = call(Op.AWAIT_TAKEOVER, NOTHING, GuardianCodecs.TAKEOVER);
    static final Call<Duration, Optional<SystemMessage>> READ_SYSTEM_MESSAGE = call(Op.READ_SYSTEM_MESSAGE,
            AttachCodecs.TIMEOUT, AttachCodecs.OPT_SYSTEM_MESSAGE);
    static final Call<Integer, Integer> SET_LOOP_TIMER = call(Op.SET_LOOP_TIMER, Scalars.INT, Scalars.INT);

    // ---- $RECEIVE and opens ----------------------------------------------------------------

    static final Call<OpenReceive, Integer> OPEN_RECEIVE = call(Op.OPEN_RECEIVE, AttachCodecs.OPEN_RECEIVE,
            Scalars.INT);
    static final Call<Duration, Optional<Update>> READ_UPDATE = call(Op.READ_UPDATE, AttachCodecs.TIMEOUT,
            AttachCodecs.OPT_UPDATE);
    static final Call<Reply, CheckpointResult> REPLY = call(Op.REPLY, AttachCodecs.REPLY,
            AttachCodecs.CHECKPOINT_RESULT);
    static final Call<FileOpen, Opened> FILE_OPEN = call(Op.FILE_OPEN, AttachCodecs.FILE_OPEN, AttachCodecs.OPENED);
    static final Call<WriteRead, Written> WRITE_READ = call(Op.WRITE_READ, AttachCodecs.WRITE_READ,
            AttachCodecs.WRITTEN);
    static final Call<Long, Nothing> FILE_CLOSE = call(Op.FILE_CLOSE, Scalars.LONG, NOTHING);

    // ---- robust semaphores -----------------------------------------------------------------

    static final Call<SemCreate, Long> SEM_CREATE = call(Op.SEM_CREATE, AttachCodecs.SEM_CREATE, Scalars.LONG);
    static final Call<String, Long> SEM_OPEN = call(Op.SEM_OPEN, Scalars.STRING, Scalars.LONG);
    static final Call<String, Integer> SEM_PURGE = call(Op.SEM_PURGE, Scalars.STRING, Scalars.INT);
    static final Call<Acquire, Optional<Acquisition>> SEM_ACQUIRE = call(Op.SEM_ACQUIRE, AttachCodecs.ACQUIRE,
            AttachCodecs.OPT_ACQUISITION);
    static final Call<Permits, Nothing> SEM_RELEASE = call(Op.SEM_RELEASE, AttachCodecs.PERMITS, NOTHING);
    static final Call<Permits, Nothing> SEM_POST = call(Op.SEM_POST, AttachCodecs.PERMITS, NOTHING);
    static final Call<Long, Nothing> SEM_MARK_CONSISTENT = call(Op.SEM_MARK_CONSISTENT, Scalars.LONG, NOTHING);
    static final Call<Long, Acquisition> SEM_HOLDING = call(Op.SEM_HOLDING, Scalars.LONG, GuardianCodecs.ACQUISITION);
    static final Call<Long, ProtectedState> SEM_STATE = call(Op.SEM_STATE, Scalars.LONG,
            GuardianCodecs.PROTECTED_STATE);
    static final Call<Long, SemaphoreInfo> SEM_INFO = call(Op.SEM_INFO, Scalars.LONG, GuardianCodecs.SEMAPHORE_INFO);
    static final Call<Commit, Long> SEM_COMMIT = call(Op.SEM_COMMIT, AttachCodecs.COMMIT, Scalars.LONG);

    // ---- signals and cancels ---------------------------------------------------------------

    static final Call<SignalNote, Nothing> SIGNAL_END = call(Op.SIGNAL_END, AttachCodecs.SIGNAL_NOTE, NOTHING);
    static final Call<Signal, Nothing> SIGNAL_TAKEN = call(Op.SIGNAL_TAKEN, AttachCodecs.SIGNAL, NOTHING);
    /** Never answered: it interrupts the call whose ID its frame carries. */
    static final Call<Nothing, Nothing> CANCEL = call(Op.CANCEL, NOTHING, NOTHING);

    // ---- the operator's ------------------------------------------------------------------------

    static final Call<EventQuery, EventBatch> EVENTS = call(Op.EVENTS, EventCodecs.QUERY, EventCodecs.BATCH);
    static final Call<AttachCodecs.Upgrade, List<org.openpair.emulator.procedures.PairUpgrade.Step>> UPGRADE =
            call(Op.UPGRADE, AttachCodecs.UPGRADE, AttachCodecs.UPGRADE_STEPS);

    // ---- Guardian procedures ---------------------------------------------------------------

    static final Call<SpawnRequest, ProcessHandle> SPAWN = guardian(GuardianOp.SPAWN, GuardianCodecs.SPAWN_REQUEST,
            GuardianCodecs.HANDLE);
    static final Call<Optional<ProcessHandle>, Nothing> STOP = guardian(GuardianOp.STOP, AttachCodecs.OPT_HANDLE,
            NOTHING);
    static final Call<Optional<ProcessName>, Nothing> STOP_NAME = guardian(GuardianOp.STOP_NAME,
            AttachCodecs.OPT_NAME, NOTHING);
    static final Call<Stop, Nothing> STOP_SCOPE = guardian(GuardianOp.STOP_SCOPE, AttachCodecs.STOP, NOTHING);
    static final Call<Optional<ProcessName>, PairInfo> PAIR_INFO_NAME = guardian(GuardianOp.PAIR_INFO_NAME,
            AttachCodecs.OPT_NAME, GuardianCodecs.PAIR_INFO);
    static final Call<Optional<ProcessHandle>, PairInfo> PAIR_INFO = guardian(GuardianOp.PAIR_INFO,
            AttachCodecs.OPT_HANDLE, GuardianCodecs.PAIR_INFO);
    static final Call<Compare, Integer> HANDLE_COMPARE = guardian(GuardianOp.HANDLE_COMPARE, AttachCodecs.COMPARE,
            Scalars.INT);
    static final Call<Optional<ProcessName>, Nothing> SWITCH_PAIR = guardian(GuardianOp.SWITCH_PAIR,
            AttachCodecs.OPT_NAME, NOTHING);
    static final Call<Optional<ProcessName>, Optional<ProcessInfo>> LOOKUP = guardian(GuardianOp.LOOKUP,
            AttachCodecs.OPT_NAME, AttachCodecs.OPT_PROCESS_INFO);
    static final Call<Optional<ProcessHandle>, Optional<ProcessInfo>> PROCESS = guardian(GuardianOp.PROCESS,
            AttachCodecs.OPT_HANDLE, AttachCodecs.OPT_PROCESS_INFO);
    static final Call<Nothing, List<ProcessInfo>> PROCESSES = guardian(GuardianOp.PROCESSES, NOTHING,
            AttachCodecs.PROCESS_INFOS);
    static final Call<Nothing, List<CpuInfo>> CPUS = guardian(GuardianOp.CPUS, NOTHING, AttachCodecs.CPU_INFOS);
    static final Call<Optional<ProcessHandle>, Optional<Termination>> TERMINATION = guardian(GuardianOp.TERMINATION,
            AttachCodecs.OPT_HANDLE, AttachCodecs.OPT_TERMINATION);
    static final Call<Nothing, List<Termination>> TERMINATIONS = guardian(GuardianOp.TERMINATIONS, NOTHING,
            AttachCodecs.TERMINATIONS);
    static final Call<Kill, Nothing> KILL = guardian(GuardianOp.KILL, AttachCodecs.KILL, NOTHING);
    static final Call<KillName, Nothing> KILL_NAME = guardian(GuardianOp.KILL_NAME, AttachCodecs.KILL_NAME, NOTHING);
    static final Call<Nothing, List<SemaphoreInfo>> SEMAPHORES = guardian(GuardianOp.SEMAPHORES, NOTHING,
            AttachCodecs.SEMAPHORE_INFOS);

    /** Every call above, for a table that must answer each one ({@link CallTable#refuseTheRest}). */
    static final List<Call<?, ?>> ALL = List.of(ROLE, STOP_REQUESTED, END, CREATE_BACKUP, CHECKPOINT,
            CHECKPOINT_ASYNC, STATE_GET, STATE_PUT, STATE_REMOVE, STATE_SNAPSHOT, AWAIT_TAKEOVER, READ_SYSTEM_MESSAGE,
            SET_LOOP_TIMER, OPEN_RECEIVE, READ_UPDATE, REPLY, FILE_OPEN, WRITE_READ, FILE_CLOSE, SEM_CREATE, SEM_OPEN,
            SEM_PURGE, SEM_ACQUIRE, SEM_RELEASE, SEM_POST, SEM_MARK_CONSISTENT, SEM_HOLDING, SEM_STATE, SEM_INFO,
            SEM_COMMIT, SIGNAL_END, SIGNAL_TAKEN, CANCEL, SPAWN, STOP, STOP_NAME, STOP_SCOPE, PAIR_INFO_NAME, PAIR_INFO,
            HANDLE_COMPARE, SWITCH_PAIR, LOOKUP, PROCESS, PROCESSES, CPUS, TERMINATION, TERMINATIONS, KILL, KILL_NAME,
            SEMAPHORES, EVENTS, UPGRADE);
}
