package org.openpair.emulator.cpu;

import java.util.List;
import java.util.function.BooleanSupplier;

import org.openpair.emulator.node.CpuService;
import org.openpair.emulator.node.CpuTask;
import org.openpair.emulator.process.ProcessTable;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.Signal;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.SystemMessage;
import org.openpair.guardian.Takeover;
import org.openpair.guardian.Termination;

/**
 * What the rest of the node may ask of one CPU ({@link CpuService}), as the CPU's links, the
 * engine's call threads and its own router deliver it: each call is refused with 66 once the
 * CPU is down, then handed to the part of the CPU that does it. Kept apart from {@link Cpu},
 * which owns the CPU's start and end, so that what other CPUs can reach is one short list.
 */
final class LocalCalls implements CpuService {
    private final int number;
    private final CpuLinks links;
    private final BooleanSupplier running;
    // Bound once by the CPU's constructor: the process table needs the router, which needs these
    // calls. No call arrives before then: the CPU serves its links and the engine only after.
    private ProcessTable processes;
    private DeathWatch deathWatch;

    LocalCalls(int number, CpuLinks links, BooleanSupplier running) {
        this.number = number;
        this.links = links;
        this.running = running;
    }

    void bind(ProcessTable processes, DeathWatch deathWatch) {
        this.processes = processes;
        this.deathWatch = deathWatch;
    }

    @Override
    public int number() {
        return number;
    }

    @Override
    public void cpuUpLocal(int upCpu) {
        requireRunning();
        deathWatch.cpuUp(upCpu);
        processes.cpuUp(upCpu);
    }

    @Override
    public void runNotice(CpuTask.CpuCall<?> call) {
        requireRunning();
        links.notices().run(call);
    }

    @Override
    public ProcessInfo spawnLocal(SpawnRequest request, ProcessHandle ancestor) {
        requireRunning();
        return processes.spawn(request, ancestor);
    }

    @Override
    public Termination stopLocal(ProcessHandle target, ProcessHandle killer) {
        requireRunning();
        return processes.stop(target, killer);
    }

    @Override
    public void promoteLocal(ProcessHandle backup, Takeover takeover, SystemMessage message, ProcessHandle newBackup) {
        requireRunning();
        processes.promote(backup, takeover, message, newBackup);
    }

    @Override
    public void partnerDiedLocal(ProcessHandle primary, ProcessHandle deadBackup, SystemMessage message) {
        requireRunning();
        processes.partnerDied(primary, deadBackup, message);
    }

    @Override
    public void switchLocal(ProcessHandle primary) {
        requireRunning();
        processes.switchPrimary(primary);
    }

    @Override
    public ProcessHandle replaceBackupLocal(ProcessHandle primary, List<String> classPath) {
        requireRunning();
        return processes.replaceBackup(primary, classPath);
    }

    @Override
    public List<String> classPathLocal(ProcessHandle member, List<String> candidate) {
        requireRunning();
        return processes.classPathOf(member, candidate);
    }

    @Override
    public void killLocal(ProcessHandle target, Signal signal, ProcessHandle sender) {
        requireRunning();
        processes.kill(target, signal, sender);
    }

    private void requireRunning() {
        if (!running.getAsBoolean()) {
            throw new GuardianException(GuardianError.DEVICE_DOWN, "CPU " + number + " is down");
        }
    }
}
