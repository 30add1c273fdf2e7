package org.openpair.emulator.process;

import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import org.openpair.emulator.events.Event;
import org.openpair.emulator.events.EventLog;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.messages.ReceiveQueue;
import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.names.NameUpdates;
import org.openpair.emulator.node.CpuRouter;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.os.SpawnSpec;
import org.openpair.emulator.pairs.CheckpointLinks;
import org.openpair.emulator.pairs.PairMember;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;

/**
 * PROCESS_SPAWN_ on this CPU: a request is validated before it takes a PIN, so a refusal leaves
 * no trace; the process entry is published before the name is claimed, so a name entry always
 * points at published processes; and the process enters the table's registry under its own
 * lock, so whatever ends it waits until it is wholly published.
 */
final class Creation {
    private final ProcessTable table;
    private final NodeConfig config;
    private final int cpu;
    private final NodeTables tables;
    private final CpuRouter router;
    private final CheckpointLinks links;
    private final Function<ProcessHandle, Guardian> guardianOf;
    /** The table's registry, filled here and emptied by {@link ProcessTable#retire}. */
    private final PinAllocator pins;
    private final Map<Integer, LocalProcess> live;
    private final Map<Long, LocalProcess> byVerifier;
    private final AtomicLong lastVerifier = new AtomicLong();
    /** Spawns OS processes from one thread that lives as long as the CPU: see {@link OsProcess}. */
    private final ExecutorService spawner;
    private final ScheduledExecutorService pairWork;
    private final AttachSocket attachSocket;
    /** Says whether the CPU is down, and fences a pair member whose checkpoints fail. */
    private final CpuHalt halt;
    private final NameClaims names;

    Creation(ProcessTable table, NodeConfig config, int cpu, NodeTables tables, CpuRouter router,
             CheckpointLinks links, Function<ProcessHandle, Guardian> guardianOf, PinAllocator pins,
             Map<Integer, LocalProcess> live, Map<Long, LocalProcess> byVerifier, ExecutorService spawner,
             ScheduledExecutorService pairWork, AttachSocket attachSocket, CpuHalt halt) {
        this.table = table;
        this.config = config;
        this.cpu = cpu;
        this.tables = tables;
        this.router = router;
        this.links = links;
        this.guardianOf = guardianOf;
        this.pins = pins;
        this.live = live;
        this.byVerifier = byVerifier;
        this.spawner = spawner;
        this.pairWork = pairWork;
        this.attachSocket = attachSocket;
        this.halt = halt;
        this.names = new NameClaims(cpu, tables, router);
    }

    /** See {@link ProcessTable#spawn}. */
    ProcessInfo spawn(SpawnRequest request, ProcessHandle ancestor) {
        if (halt.crashed()) {
            throw new GuardianException(GuardianError.DEVICE_DOWN, "CPU " + cpu + " is down");
        }
        Program program = request.program();
        if (request.isMyBackup() && program instanceof Program.Executable) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "only Java programs (hosted or OS) can have a backup");
        }
        // Validate before taking a PIN, so a refusal leaves no trace.
        String className = program instanceof Program.Hosted h ? h.className()
                : program instanceof Program.Java j ? j.className() : null;
        ProgramCode code = className == null ? null
                : ProgramCode.find(className, request.classPath(), config.classPath());
        try {
            return spawn(request, ancestor, code);
        } catch (RuntimeException | Error e) {
            // No process took the loader over: nothing else will close it.
            if (code != null) {
                code.close();
            }
            throw e;
        }
    }

    private ProcessInfo spawn(SpawnRequest request, ProcessHandle ancestor, ProgramCode code) {
        Program program = request.program();
        org.openpair.emulator.attach.AttachServer attach = null;
        if (program instanceof Program.Java) {
            // The child gets the same class path: what resolves here resolves there. Its class is
            // checked here, so the loader has done its part.
            code.constructor();
            code.close();
            attach = attachSocket.open();
        } else if (code != null) {
            code.constructor();
        }
        Path executable = program instanceof Program.Executable e
                ? OsProcess.resolve(e.path(), request.env().getOrDefault("PATH", System.getenv("PATH")))
                : null;

        int pin = pins.allocate();
        ProcessHandle handle = new ProcessHandle(config.nodeName(), cpu, pin, nextVerifier());
        ProcessName name = request.name();
        Path logFile = config.logDir().resolve("cpu" + cpu)
                .resolve((name == null ? "pin" + pin : name.bare()) + "-" + handle.verifier() + ".log");
        ProcessInfo info = new ProcessInfo(handle, name, program, request.priority(), 0, Instant.now(), ancestor,
                logFile.toString());
        String key = NodeTables.processKey(handle);

        LocalProcess process = program instanceof Program.Hosted
                ? new HostedProcess(info, code, request, logFile, table, guardianOf.apply(handle))
                : program instanceof Program.Java j
                ? AttachedProcess.create(info, j.className(), code.childClassPath(), request, logFile, spawner, table,
                        attach, guardianOf.apply(handle))
                : new OsProcess(info, osSpec(executable, request, logFile), spawner, table);
        // Indexed first, so the survivors of this CPU's loss find every entry it may have written.
        tables.cpuProcesses().put(cpu, key);
        tables.processes().set(key, info);
        NameEntry entry;
        try {
            entry = name == null ? null : request.isMyBackup() ? names.attachBackup(name, ancestor, handle)
                    : names.claimName(NameEntry.single(name, handle, info.started(), ancestor));
        } catch (RuntimeException e) {
            unpublish(handle, pin);
            throw e;
        }
        if (process instanceof HostedProcess || process instanceof AttachedProcess) {
            PairRole role = request.isMyBackup() ? PairRole.BACKUP : name != null ? PairRole.PRIMARY : PairRole.SINGLE;
            process.pair = new PairMember(new PairHost(process, request, guardianOf, links, tables, router, pairWork,
                    reason -> halt.fence(process, reason), table.metrics(), table::leaseHeld, table::pairCarriageChanged),
                    handle, name, role,
                    entry == null ? 0 : entry.epoch(), request.isMyBackup() ? ancestor : null);
            if (name != null) {
                process.receive = new ReceiveQueue(process.pair, handle);
            }
        }
        // Whatever ends the process waits for this block, so it never retires a half-published process.
        synchronized (process) {
            live.put(pin, process);
            byVerifier.put(handle.verifier(), process);
            if (process.receive != null) {
                table.receivers().add(handle, process.receive);
            }
            ProcessInfo published;
            try {
                published = process.start();
            } catch (RuntimeException e) {
                live.remove(pin);
                byVerifier.remove(handle.verifier());
                if (process.receive != null) {
                    table.receivers().remove(handle, process.receive);
                }
                if (name != null) {
                    try {
                        tables.names().update(name.toString(), new NameUpdates.RetireMember(handle, cpu));
                    } catch (RuntimeException refused) {
                        // The start's failure is what the caller must see; the name stays with the sweep.
                        e.addSuppressed(refused);
                    }
                }
                unpublish(handle, pin);
                throw e;
            }
            if (published.pid() != 0) {
                tables.processes().set(key, published);
            }
            EventLog.emit(handle.node(), cpu, Event.ProcessStarted.of(published));
            return published;
        }
    }

    private void unpublish(ProcessHandle handle, int pin) {
        String key = NodeTables.processKey(handle);
        tables.processes().update(key, new NodeTables.RemoveIfHeldBy<>(handle));
        tables.cpuProcesses().remove(cpu, key);
        pins.release(pin);
    }

    private SpawnSpec osSpec(Path executable, SpawnRequest request, Path logFile) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(request.env());
        return new SpawnSpec(executable, request.args(), env, logFile, true);
    }

    /** Verifiers grow with time, so a handle stays unique across CPU restarts as long as the clock does. */
    private long nextVerifier() {
        long micros = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());
        return lastVerifier.updateAndGet(last -> Math.max(last + 1, micros));
    }
}
