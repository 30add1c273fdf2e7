package org.openpair.emulator.node;

import org.openpair.emulator.cluster.Engine;
import org.openpair.emulator.cluster.MemberCall;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.SystemMessage;
import org.openpair.guardian.Takeover;
import org.openpair.guardian.Termination;

/**
 * A call shipped to the member that holds a CPU, run there against its {@link CpuService}.
 * The calls are small named records rather than lambdas, so what crosses the wire is plain
 * data; the runtime's codec writes them ({@code codec.CpuCallCodecs}), not Java serialization.
 *
 * <p>It runs on one of the engine's call threads ({@link Engine#call}). A notification ({@link #notice}) is
 * only handed to one of the CPU's own threads there: what it starts may wait on other CPUs (a
 * promoted backup's new backup, a table write whose partition a hung CPU still owns), and an
 * engine thread must never wait on another CPU.
 */
public final class CpuTask<T> implements MemberCall<CpuTask.Reply<T>> {
    static final String PURPOSE = "cpu-task";
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private final CpuCall<T> call;
    private final boolean notice;
    /** The call as the codec wrote it: what the seal covers, kept as received rather than re-encoded. */
    private final byte[] encodedCall;
    private final Seal seal;

    private CpuTask(CpuCall<T> call, boolean notice, byte[] encodedCall, Seal seal) {
        this.call = call;
        this.notice = notice;
        this.encodedCall = encodedCall;
        this.seal = seal;
    }

    /** A call whose sender waits for its result. */
    public static <T> CpuTask<T> of(CpuCall<T> call) {
        return new CpuTask<>(call, false, null, null);
    }

    /** A notification: its sender wants no result, so it is queued on the CPU and answered at once. */
    public static <T> CpuTask<T> notice(CpuCall<T> call) {
        return new CpuTask<>(call, true, null, null);
    }

    /**
     * A task as the codec read it: the call's own bytes, which the seal was made over, and the
     * seal, or null for a task sent without a key.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static CpuTask<?> received(boolean notice, byte[] encodedCall, Seal seal) {
        // Without a seal the bytes are not needed again.
        return new CpuTask(CpuCallCodecs.CALL.decode(encodedCall), notice, seal == null ? null : encodedCall, seal);
    }

    /**
     * This task sealed with the node key by {@code sender} (a CPU number, or -1 for a command)
     * for CPU {@code target}: a MAC over the call's bytes, the notice flag, both CPU numbers, the
     * time of issue and a fresh nonce. The engine carries it to the member; only a holder of the
     * key can make one the receiving CPU accepts ({@link CpuTaskGuard}).
     */
    public CpuTask<T> sealed(org.openpair.emulator.security.NodeKey key, int sender, int target) {
        byte[] bytes = encodedCall();
        byte[] nonce = new byte[Seal.NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        long issued = System.currentTimeMillis();
        return new CpuTask<>(call, notice, bytes, new Seal(sender, issued, nonce,
                key.mac(PURPOSE, macParts(bytes, notice, sender, target, issued, nonce))));
    }

    static byte[][] macParts(byte[] call, boolean notice, int sender, int target, long issued, byte[] nonce) {
        return new byte[][] {call, new byte[] {(byte) (notice ? 1 : 0)},
                java.nio.ByteBuffer.allocate(16).putInt(sender).putInt(target).putLong(issued).array(), nonce};
    }

    /** The call's bytes: as received, or encoded now. */
    byte[] encodedCall() {
        return encodedCall != null ? encodedCall : CpuCallCodecs.CALL.encode(call);
    }

    /** The seal, or null for a task sent without a key. */
    public Seal seal() {
        return seal;
    }

    /**
     * Who sealed a task and when, with the nonce and MAC that make it single-use.
     *
     * @param sender the sending CPU, or -1 for a command
     * @param issuedMillis when it was sealed, by the sender's clock (ms since the epoch)
     * @param nonce  {@link #NONCE_BYTES} random bytes
     * @param mac    the node key's MAC of the task ({@link #macParts})
     */
    public record Seal(int sender, long issuedMillis, byte[] nonce, byte[] mac) {
        public static final int NONCE_BYTES = 16;
    }

    public CpuCall<T> cpuCall() {
        return call;
    }

    public boolean isNotice() {
        return notice;
    }

    /**
     * Runs the call and returns its value or its Guardian error as data: the client protocol
     * does not carry exception classes of ours, so a refusal travels as a number and a message.
     * Any other failure travels as data too, as the error the caller made of it when the
     * exception itself came back: the engine refuses to read classes of ours from Java
     * serialization ({@code cluster.EngineSerialization}), so an exception of ours must not cross.
     */
    @Override
    public Reply<T> runOn(Engine here) {
        Object service = here.userContext().get(CpuService.USER_CONTEXT_KEY);
        Object guard = here.userContext().get(CpuTaskGuard.USER_CONTEXT_KEY);
        if (!(service instanceof CpuService cpu) || !(guard instanceof CpuTaskGuard g)) {
            return new Reply<>(null, GuardianError.DEVICE_DOWN.number(), "member " + here.name() + " carries no CPU");
        }
        // Anyone who reaches the engine's port can submit a task: with a key, only a sealed one runs.
        String refusal = g.refusal(this);
        if (refusal != null) {
            return new Reply<>(null, GuardianError.SECURITY.number(), refusal);
        }
        return runAgainst(cpu);
    }

    /** Runs the call on {@code cpu}, however it arrived (the engine, or the CPU link). */
    public Reply<T> runAgainst(CpuService cpu) {
        try {
            if (notice) {
                cpu.runNotice(call);
                return new Reply<>(null, 0, null);
            }
            return new Reply<>(call.call(cpu), 0, null);
        } catch (GuardianException e) {
            return new Reply<>(null, e.error(), e.getMessage());
        } catch (RuntimeException e) {
            return new Reply<>(null, GuardianError.INVALID_OPERATION.number(), "CPU " + cpu.number() + " failed the call: "
                    + e);
        }
    }

    /** A call's outcome: a value, or a Guardian error number and message. */
    public record Reply<T>(T value, int error, String message) {
        public T valueOrThrow() {
            if (error != 0) {
                throw new GuardianException(GuardianError.of(error), message);
            }
            return value;
        }
    }

    /** One operation on a CPU. */
    public interface CpuCall<T> {
        T call(CpuService cpu);
    }

    public record Spawn(SpawnRequest request, ProcessHandle ancestor) implements CpuCall<ProcessInfo> {
        @Override
        public ProcessInfo call(CpuService cpu) {
            return cpu.spawnLocal(request, ancestor);
        }
    }

    public record Stop(ProcessHandle target, ProcessHandle killer) implements CpuCall<Termination> {
        @Override
        public Termination call(CpuService cpu) {
            return cpu.stopLocal(target, killer);
        }
    }

    public record Promote(ProcessHandle backup, Takeover takeover, SystemMessage message, ProcessHandle newBackup)
            implements CpuCall<Boolean> {
        @Override
        public Boolean call(CpuService cpu) {
            cpu.promoteLocal(backup, takeover, message, newBackup);
            return true;
        }
    }

    public record PartnerDied(ProcessHandle primary, ProcessHandle deadBackup, SystemMessage message)
            implements CpuCall<Boolean> {
        @Override
        public Boolean call(CpuService cpu) {
            cpu.partnerDiedLocal(primary, deadBackup, message);
            return true;
        }
    }

    public record Kill(ProcessHandle target, org.openpair.guardian.Signal signal, ProcessHandle sender)
            implements CpuCall<Boolean> {
        @Override
        public Boolean call(CpuService cpu) {
            cpu.killLocal(target, signal, sender);
            return true;
        }
    }

    /** Sent by a CPU that has just come up, once it serves calls, to every other CPU. */
    public record CpuUp(int cpu) implements CpuCall<Boolean> {
        @Override
        public Boolean call(CpuService service) {
            service.cpuUpLocal(cpu);
            return true;
        }
    }

    public record SwitchPair(ProcessHandle primary) implements CpuCall<Boolean> {
        @Override
        public Boolean call(CpuService cpu) {
            cpu.switchLocal(primary);
            return true;
        }
    }

    /** An upgrade's replacement of the backup of {@code primary} by one from {@code classPath}. */
    public record ReplaceBackup(ProcessHandle primary, java.util.List<String> classPath)
            implements CpuCall<ProcessHandle> {
        @Override
        public ProcessHandle call(CpuService cpu) {
            return cpu.replaceBackupLocal(primary, classPath);
        }
    }

    /**
     * The class path of pair member {@code member}, ':'-joined; with {@code candidate} (null: none),
     * once its program is seen to load from that one.
     */
    public record MemberClassPath(ProcessHandle member, java.util.List<String> candidate) implements CpuCall<String> {
        @Override
        public String call(CpuService cpu) {
            return String.join(":", cpu.classPathLocal(member, candidate));
        }
    }
}
