package org.openpair.emulator.node;

import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.SystemMessage;
import org.openpair.guardian.Takeover;
import org.openpair.guardian.Termination;

/**
 * What one CPU does for the rest of the node: create and stop its own processes, and act on
 * the pair events of its processes. Calls reach it directly when caller and CPU share a JVM,
 * and as a {@link CpuTask} on the CPU's member otherwise.
 */
public interface CpuService {
    /** Key of the CPU in its Hazelcast member's user context. */
    String USER_CONTEXT_KEY = "openpair.cpu";

    int number();

    /** Creates a process here; {@code request.cpu()} is this CPU's number. */
    ProcessInfo spawnLocal(SpawnRequest request, ProcessHandle ancestor);

    /** Stops a process of this CPU and returns its termination once it is gone. */
    Termination stopLocal(ProcessHandle target, ProcessHandle killer);

    /**
     * A backup of this CPU is now the primary (the name table says so already): it applies
     * what it holds, then acts as primary; {@code message} goes to its $RECEIVE (null for a
     * switch). For a switch, {@code newBackup} is the old primary, now its backup.
     */
    void promoteLocal(ProcessHandle backup, Takeover takeover, SystemMessage message, ProcessHandle newBackup);

    /** The partner of a primary of this CPU died; the primary is told and may re-create it. */
    void partnerDiedLocal(ProcessHandle primary, ProcessHandle deadBackup, SystemMessage message);

    /** Switches the pair whose primary runs here (CHECKSWITCH). */
    void switchLocal(ProcessHandle primary);

    /**
     * An upgrade's step on the pair whose primary runs here: its backup replaced by one from
     * {@code classPath}, once its program is seen to load from it here; returns the new backup.
     */
    ProcessHandle replaceBackupLocal(ProcessHandle primary, java.util.List<String> classPath);

    /**
     * The class path a pair member of this CPU runs from; with {@code candidate}, checks first that
     * its program loads from that one here (11, 2).
     */
    java.util.List<String> classPathLocal(ProcessHandle member, java.util.List<String> candidate);

    /** {@code kill} of a process of this CPU; {@code sender} is null for the operator. */
    void killLocal(ProcessHandle target, org.openpair.guardian.Signal signal, ProcessHandle sender);

    /** CPU {@code cpu} has come up and serves calls: the pair members here are told (-3). */
    void cpuUpLocal(int cpu);

    /**
     * Runs a notification another CPU sent (a promotion, a partner's death, a CPU up, the stop
     * of an unready backup) on one of this CPU's own threads and returns at once; a failure is
     * logged there. Never runs it on the caller's thread, which may be one of Hazelcast's.
     */
    void runNotice(CpuTask.CpuCall<?> call);
}
