package org.openpair.emulator.attach;

import java.util.List;
import java.util.Optional;

import org.openpair.emulator.attach.AttachCodecs.Nothing;
import org.openpair.guardian.CpuInfo;
import org.openpair.guardian.DeathPolicy;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.RobustSemaphore;
import org.openpair.guardian.SemaphoreInfo;
import org.openpair.guardian.Signal;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.StopScope;
import org.openpair.guardian.Termination;

/**
 * The {@link Guardian} of a Java OS process: every procedure is one call to its CPU, which runs
 * it with the Guardian a hosted process of this handle gets ({@link GuardianCalls}), so the
 * results and the Guardian errors are the same. Nulls travel as such; the CPU's procedure
 * decides what one means.
 */
final class RemoteGuardian implements Guardian {
    private final AttachClient client;
    private final String nodeName;

    RemoteGuardian(AttachClient client, String nodeName) {
        this.client = client;
        this.nodeName = nodeName;
    }

    @Override
    public String nodeName() {
        return nodeName;
    }

    @Override
    public ProcessFile fileOpen(ProcessName name, int syncDepth) {
        AttachCodecs.Opened o = client.call(AttachCalls.FILE_OPEN, new AttachCodecs.FileOpen(name, syncDepth));
        return new RemoteFile(client, o.file(), name, syncDepth, o.server());
    }

    @Override
    public ProcessHandle processSpawn(SpawnRequest request) {
        return client.call(AttachCalls.SPAWN, request);
    }

    @Override
    public void processStop(ProcessHandle process) {
        client.call(AttachCalls.STOP, Optional.ofNullable(process));
    }

    @Override
    public void processStop(ProcessName name) {
        client.call(AttachCalls.STOP_NAME, Optional.ofNullable(name));
    }

    @Override
    public void processStop(ProcessHandle process, StopScope scope) {
        client.call(AttachCalls.STOP_SCOPE, new AttachCodecs.Stop(process, scope));
    }

    @Override
    public PairInfo processGetPairInfo(ProcessName name) {
        return client.call(AttachCalls.PAIR_INFO_NAME, Optional.ofNullable(name));
    }

    @Override
    public PairInfo processGetPairInfo(ProcessHandle process) {
        return client.call(AttachCalls.PAIR_INFO, Optional.ofNullable(process));
    }

    @Override
    public int processHandleCompare(ProcessHandle a, ProcessHandle b) {
        return client.call(AttachCalls.HANDLE_COMPARE, new AttachCodecs.Compare(a, b));
    }

    @Override
    public void switchPair(ProcessName name) {
        client.call(AttachCalls.SWITCH_PAIR, Optional.ofNullable(name));
    }

    @Override
    public Optional<ProcessInfo> lookup(ProcessName name) {
        return client.call(AttachCalls.LOOKUP, Optional.ofNullable(name));
    }

    @Override
    public Optional<ProcessInfo> process(ProcessHandle handle) {
        return client.call(AttachCalls.PROCESS, Optional.ofNullable(handle));
    }

    @Override
    public List<ProcessInfo> processes() {
        return client.call(AttachCalls.PROCESSES, Nothing.VALUE);
    }

    @Override
    public List<CpuInfo> cpus() {
        return client.call(AttachCalls.CPUS, Nothing.VALUE);
    }

    @Override
    public Optional<Termination> termination(ProcessHandle handle) {
        return client.call(AttachCalls.TERMINATION, Optional.ofNullable(handle));
    }

    @Override
    public List<Termination> terminations() {
        return client.call(AttachCalls.TERMINATIONS, Nothing.VALUE);
    }

    @Override
    public void kill(ProcessHandle process, Signal signal) {
        client.call(AttachCalls.KILL, new AttachCodecs.Kill(process, signal));
    }

    @Override
    public void kill(ProcessName name, Signal signal) {
        client.call(AttachCalls.KILL_NAME, new AttachCodecs.KillName(name, signal));
    }

    @Override
    public RobustSemaphore semaphoreCreate(String name, int permits, DeathPolicy policy) {
        return new RemoteSemaphore(client, client.call(AttachCalls.SEM_CREATE,
                new AttachCodecs.SemCreate(name, permits, policy)), name);
    }

    @Override
    public RobustSemaphore semaphore(String name) {
        return new RemoteSemaphore(client, client.call(AttachCalls.SEM_OPEN, name), name);
    }

    @Override
    public List<SemaphoreInfo> semaphores() {
        return client.call(AttachCalls.SEMAPHORES, Nothing.VALUE);
    }

    @Override
    public int semaphorePurge(String name) {
        return client.call(AttachCalls.SEM_PURGE, name);
    }
}
