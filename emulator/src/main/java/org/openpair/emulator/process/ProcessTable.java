package org.openpair.emulator.process;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.IntPredicate;

import org.openpair.emulator.node.NodeConfig;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.os.SpawnSpec;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.Termination;
import org.openpair.guardian.TerminationCause;

/**
 * One CPU's processes: PIN allocation, creation, stop, and the single place where a process
 * ends ({@link #retire}), which records the death before it frees the name, so anyone who
 * finds the name gone can also find why.
 *
 * <p>Creation publishes the process entry before it claims the name: a name entry therefore
 * always points at a published process, and a second creation that finds the name held can
 * tell a live holder (refused, error 12) from a stale one left by a lost CPU (replaced).
 */
public final class ProcessTable {
    private static final System.Logger LOG = System.getLogger(ProcessTable.class.getName());
    /** Processes one CPU may run at once. */
    public static final int CAPACITY = 4096;

    private final NodeConfig config;
    private final int cpu;
    private final NodeTables tables;
    private final IntPredicate cpuIsUp;
    private final Function<ProcessHandle, Guardian> guardianOf;
    private final PinAllocator pins = new PinAllocator(CAPACITY);
    private final Map<Integer, LocalProcess> live = new ConcurrentHashMap<>();
    private final AtomicLong lastVerifier = new AtomicLong();
    /** Spawns OS processes from one thread that lives as long as the CPU: see {@link OsProcess}. */
    private final ExecutorService spawner;
    private volatile boolean crashed;

    /**
     * @param cpuIsUp    whether a CPU is a member of the node now (for stale name entries)
     * @param guardianOf the Guardian procedures a hosted process calls, given its handle
     */
    public ProcessTable(NodeConfig config, int cpu, NodeTables tables, IntPredicate cpuIsUp,
                        Function<ProcessHandle, Guardian> guardianOf) {
        this.config = config;
        this.cpu = cpu;
        this.tables = tables;
        this.cpuIsUp = cpuIsUp;
        this.guardianOf = guardianOf;
        this.spawner = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "cpu" + cpu + "-spawner");
            t.setDaemon(true);
            return t;
        });
    }

    /** How many processes run here now. */
    public int size() {
        return live.size();
    }

    /** PROCESS_SPAWN_ on this CPU. */
    public ProcessInfo spawn(SpawnRequest request, ProcessHandle ancestor) {
        if (crashed) {
            throw new GuardianException(GuardianError.DEVICE_DOWN, "CPU " + cpu + " is down");
        }
        Program program = request.program();
        // Validate before taking a PIN, so a refusal leaves no trace.
        var hostedConstructor = program instanceof Program.Hosted h
                ? HostedProcess.resolve(h.className(), ProcessTable.class.getClassLoader())
                : null;
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
        NodeTables.NameEntry nameEntry = name == null ? null : new NodeTables.NameEntry(name, handle, info.started());

        LocalProcess process = hostedConstructor != null
                ? new HostedProcess(info, nameEntry, hostedConstructor, request, logFile, this, guardianOf.apply(handle))
                : new OsProcess(info, nameEntry, osSpec(executable, request, logFile), spawner, this);
        // Indexed first, so the survivors of this CPU's loss find every entry it may have written.
        tables.cpuProcesses().put(cpu, key);
        tables.processes().set(key, info);
        try {
            if (nameEntry != null) {
                claimName(nameEntry);
            }
        } catch (RuntimeException e) {
            tables.processes().executeOnKey(key, new NodeTables.RemoveIfHeldBy<>(handle));
            tables.cpuProcesses().remove(cpu, key);
            pins.release(pin);
            throw e;
        }
        // Whatever ends the process waits for this block, so it never retires a half-published process.
        synchronized (process) {
            live.put(pin, process);
            ProcessInfo published;
            try {
                published = process.start();
            } catch (RuntimeException e) {
                live.remove(pin);
                if (nameEntry != null) {
                    tables.names().executeOnKey(name.toString(), new NodeTables.RemoveIfHeldBy<>(handle));
                }
                tables.processes().executeOnKey(key, new NodeTables.RemoveIfHeldBy<>(handle));
                tables.cpuProcesses().remove(cpu, key);
                pins.release(pin);
                throw e;
            }
            if (published.pid() != 0) {
                tables.processes().set(key, published);
            }
            return published;
        }
    }

    private SpawnSpec osSpec(Path executable, SpawnRequest request, Path logFile) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(request.env());
        return new SpawnSpec(executable, request.args(), env, logFile, true);
    }

    private void claimName(NodeTables.NameEntry entry) {
        String key = entry.name().toString();
        var names = tables.names();
        for (int attempt = 0; attempt < 10; attempt++) {
            NodeTables.NameEntry held = names.putIfAbsent(key, entry);
            if (held == null) {
                return;
            }
            if (isLive(held.primary())) {
                throw new GuardianException(GuardianError.IN_USE, "name " + key + " is in use by "
                        + held.primary().descriptor(held.name()) + " (CPU " + held.primary().cpuPin() + ")");
            }
            if (names.replace(key, held, entry)) {
                LOG.log(System.Logger.Level.INFO, "{0}: took over the stale entry of {1}", key,
                        held.primary().descriptor(held.name()));
                return;
            }
        }
        throw new GuardianException(GuardianError.IN_USE, "name " + key + " is being created by another process");
    }

    private boolean isLive(ProcessHandle holder) {
        if (!cpuIsUp.test(holder.cpu())) {
            return false;
        }
        ProcessInfo p = tables.processes().get(NodeTables.processKey(holder));
        return p != null && p.handle().equals(holder);
    }

    /** Verifiers grow with time, so a handle stays unique across CPU restarts as long as the clock does. */
    private long nextVerifier() {
        long micros = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());
        return lastVerifier.updateAndGet(last -> Math.max(last + 1, micros));
    }

    /** PROCESS_STOP_ of a process on this CPU; returns once it is gone. */
    public Termination stop(ProcessHandle target, ProcessHandle killer) {
        LocalProcess process = live.get(target.pin());
        if (process == null || !process.handle().equals(target)) {
            throw new GuardianException(GuardianError.NO_SUCH_DEVICE, "no process " + target.descriptor(null)
                    + (process == null ? "" : " (PIN " + target.cpuPin() + " now holds " + process.info.descriptor() + ")"));
        }
        if (target.equals(killer)) {
            // A process stopping itself ends normally, as PROCESS_STOP_ of oneself does.
            retire(process, TerminationCause.RETURNED, -1, 0, "stopped itself");
            process.signalStop();
            return process.ended.join();
        }
        if (process.markStopped(killer)) {
            process.signalStop();
        }
        long graceMillis = config.stopGrace().toMillis();
        try {
            return process.ended.get(graceMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            if (!process.forceStop()) {
                retire(process, TerminationCause.STOPPED, -1, 0, "threads ignored the stop");
            }
            try {
                return process.ended.get(graceMillis + 5000, TimeUnit.MILLISECONDS);
            } catch (TimeoutException again) {
                throw new GuardianException(GuardianError.TIMED_OUT, process.info.descriptor()
                        + " did not end after SIGKILL");
            } catch (InterruptedException | ExecutionException again) {
                return interrupted(process);
            }
        } catch (InterruptedException | ExecutionException e) {
            return interrupted(process);
        }
    }

    private Termination interrupted(LocalProcess process) {
        Thread.currentThread().interrupt();
        throw new GuardianException(GuardianError.TIMED_OUT, "interrupted while stopping " + process.info.descriptor());
    }

    /**
     * Ends a process exactly once: records its termination, removes it and its name from the
     * node's tables, frees its PIN. A stop requested earlier turns any ending into STOPPED (6).
     */
    void retire(LocalProcess process, TerminationCause cause, int exitStatus, int signal, String detail) {
        synchronized (process) {
            if (process.ended.isDone()) {
                return;
            }
            if (process.stopRequested() && cause != TerminationCause.CPU_DOWN) {
                cause = TerminationCause.STOPPED;
            }
            ProcessHandle handle = process.handle();
            Termination t = new Termination(handle, process.info.name(), process.info.program().display(), cause,
                    cause.completionCode(exitStatus), exitStatus, signal,
                    cause == TerminationCause.STOPPED ? process.killer() : null, detail, Instant.now());
            if (!crashed) {
                try {
                    tables.terminations().set(NodeTables.terminationKey(handle), t);
                    String key = NodeTables.processKey(handle);
                    tables.processes().executeOnKey(key, new NodeTables.RemoveIfHeldBy<>(handle));
                    if (process.nameEntry != null) {
                        tables.names().executeOnKey(process.nameEntry.name().toString(),
                                new NodeTables.RemoveIfHeldBy<>(handle));
                    }
                    tables.cpuProcesses().remove(cpu, key);
                } catch (RuntimeException e) {
                    // The member is shutting down or gone: the survivors retire this CPU's entries.
                    LOG.log(System.Logger.Level.WARNING, "{0}: could not record its end in the node tables: {1}",
                            process.info.descriptor(), e.toString());
                }
            }
            live.remove(handle.pin(), process);
            pins.release(handle.pin());
            process.release();
            process.ended.complete(t);
            LOG.log(System.Logger.Level.DEBUG, "{0} ended: {1} completion code {2} {3}", process.info.descriptor(),
                    cause, t.completionCode(), detail);
        }
    }

    /**
     * The CPU is leaving the node in order: every process ends with completion code -4, as on
     * a CPU failure, and the tables are updated before the member leaves.
     */
    public void shutdown(String reason) {
        List<LocalProcess> all = new ArrayList<>(live.values());
        for (LocalProcess p : all) {
            p.markStopped(null);
            retire(p, TerminationCause.CPU_DOWN, -1, 0, reason);
            p.signalStop();
            if (p instanceof OsProcess) {
                p.forceStop();
            }
        }
        spawner.shutdownNow();
    }

    /**
     * Simulates the CPU's sudden death inside a shared JVM: processes are killed, nothing is
     * written to the tables (the survivors do that, as after a real crash).
     */
    public void crash() {
        crashed = true;
        for (LocalProcess p : new ArrayList<>(live.values())) {
            p.markStopped(null);
            p.signalStop();
            if (p instanceof OsProcess) {
                p.forceStop();
            }
            retire(p, TerminationCause.CPU_DOWN, -1, 0, "CPU " + cpu + " crashed");
        }
        spawner.shutdownNow();
    }
}
