package org.openpair.emulator.procedures;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.openpair.emulator.cluster.Membership;
import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.names.NameTableQuorum;
import org.openpair.emulator.names.NameUpdates;
import org.openpair.guardian.CpuInfo;
import org.openpair.emulator.messages.ProcessOpen;
import org.openpair.emulator.messages.RequestLinks;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.PairStatus;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.StopScope;
import org.openpair.guardian.Termination;
import org.openpair.emulator.node.CpuRouter;
import org.openpair.emulator.node.CpuService;
import org.openpair.emulator.node.CpuTask;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.metrics.CpuMetrics;

/**
 * The Guardian procedures over the node's tables, for one caller: a process (its handle names
 * it as ancestor and killer) or the operator ({@code caller == null}). Reads go to the
 * partitioned tables; spawn, stop and switch run on the CPU that owns the process. Works the
 * same from a CPU's member and from a client.
 *
 * <p>The reads of a name that only answer the caller or route its open (lookup, pair info,
 * handle compare, FILE_OPEN_) go through the CPU's {@link org.openpair.emulator.names.NameCache};
 * those that act on the pair (stop, kill, switch, the caller's backup) read the table, which
 * the CPU that acts decides on anyway.
 */
public final class NodeGuardian implements Guardian {
    private final NodeTables tables;
    private final NodeConfig config;
    private final ProcessHandle caller;
    private final CpuRouter router;
    private final RequestLinks requests;
    /** Where a semaphore acquisition's wait is counted: the caller's CPU's, or none for a client. */
    private final CpuMetrics metrics;

    /**
     * @param caller   the calling process, or {@code null} for the operator
     * @param local    the CPU in this JVM to call directly, or {@code null}
     * @param requests how opens reach the CPUs of the processes they open
     */
    public NodeGuardian(NodeTables tables, NodeConfig config, ProcessHandle caller, CpuService local,
                        RequestLinks requests) {
        this(tables, config, caller, requests, new CpuRouter(tables, config, local), CpuMetrics.NONE);
    }

    private NodeGuardian(NodeTables tables, NodeConfig config, ProcessHandle caller, RequestLinks requests,
                         CpuRouter router, CpuMetrics metrics) {
        this.tables = tables;
        this.config = config;
        this.caller = caller;
        this.router = router;
        this.requests = requests;
        this.metrics = metrics;
    }

    /**
     * The procedures for a caller on a CPU, through that CPU's own router: its calls and
     * notifications to other CPUs take the CPU link where there is one; what it measures goes
     * to that CPU's {@code metrics}.
     */
    public static NodeGuardian onCpu(NodeTables tables, NodeConfig config, ProcessHandle caller, CpuRouter router,
                                     RequestLinks requests, CpuMetrics metrics) {
        return new NodeGuardian(tables, config, caller, requests, router, metrics);
    }

    @Override
    public ProcessFile fileOpen(ProcessName name, int syncDepth) {
        return ProcessOpen.open(name, syncDepth, caller, requests, tables.nameLookups());
    }

    @Override
    public String nodeName() {
        return config.nodeName();
    }

    @Override
    public ProcessHandle processSpawn(SpawnRequest request) {
        if (request.isMyBackup()) {
            return spawnMyBackup(request);
        }
        int target = switch (request.cpu()) {
            case SpawnRequest.CALLER_CPU -> caller != null ? caller.cpu() : router.leastLoadedCpu(-1);
            case SpawnRequest.ANY_CPU -> router.leastLoadedCpu(-1);
            default -> request.cpu();
        };
        SpawnRequest routed = request.cpu() == target ? request : request.onCpu(target);
        return changedBy(router.call(target, new CpuTask.Spawn(routed, caller)));
    }

    /** Name option 3: the caller's backup, under the caller's name, on another CPU. */
    private ProcessHandle spawnMyBackup(SpawnRequest request) {
        if (caller == null) {
            throw new GuardianException(GuardianError.BOUNDS, "only a named process can create its backup; "
                    + "the operator is not a process");
        }
        ProcessInfo self = tables.processes().get(NodeTables.processKey(caller));
        if (self == null || !self.handle().equals(caller)) {
            throw new GuardianException(GuardianError.NO_SUCH_DEVICE, "the calling process " + caller + " is gone");
        }
        if (self.name() == null) {
            throw new GuardianException(GuardianError.BOUNDS, "process " + caller.cpuPin()
                    + " is unnamed: only a named process can create its backup");
        }
        NameEntry entry = tables.names().get(self.name().toString());
        if (entry == null || !caller.equals(entry.primary())) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "only the primary of " + self.name()
                    + " can create its backup");
        }
        if (entry.backup() != null) {
            throw new GuardianException(GuardianError.IN_USE, self.name() + " already has a backup: "
                    + entry.backup().cpuPin());
        }
        int target = request.cpu() == SpawnRequest.ANY_CPU ? router.leastLoadedCpu(caller.cpu()) : request.cpu();
        if (target == SpawnRequest.CALLER_CPU || target == caller.cpu()) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "a backup must run on a CPU other than its "
                    + "primary's (CPU " + caller.cpu() + ")");
        }
        SpawnRequest routed = request.withName(self.name()).onCpu(target);
        return changedBy(router.call(target, new CpuTask.Spawn(routed, caller)));
    }

    @Override
    public void processStop(ProcessHandle process) {
        Termination t = router.call(process.cpu(), new CpuTask.Stop(process, caller));
        if (t != null && t.name() != null) {
            changed(t.name());
        }
    }

    /**
     * A change this caller made to a name, on another CPU maybe: a lookup it makes next must
     * see it, without waiting for the change's event to reach this CPU's cache.
     */
    private void changed(ProcessName name) {
        tables.nameLookups().stale(name.toString());
    }

    private ProcessHandle changedBy(ProcessInfo spawned) {
        if (spawned.name() != null) {
            changed(spawned.name());
        }
        return spawned.handle();
    }

    @Override
    public void processStop(ProcessName name) {
        processStop(nameEntry(name).primary());
    }

    @Override
    public void processStop(ProcessHandle process, StopScope scope) {
        switch (scope) {
            case TARGET -> processStop(process);
            case PAIR -> {
                ProcessInfo info = process(process).orElseThrow(() -> noSuchProcess(process));
                NameEntry entry = info.name() == null ? null : tables.names().get(info.name().toString());
                if (entry == null) {
                    processStop(process);
                    return;
                }
                // Closing first: neither death may promote the other or bring a new backup.
                NameUpdates.Result closed = NameTableQuorum.write("this side of the node", "closing " + info.name(),
                        () -> tables.names().update(info.name().toString(), new NameUpdates.Close(entry.primary())));
                NameEntry pair = closed.after() != null ? closed.after() : entry;
                if (pair.backup() != null) {
                    stopIfAlive(pair.backup());
                }
                stopIfAlive(pair.primary());
            }
            case OPPOSITE -> {
                if (caller == null) {
                    throw new GuardianException(GuardianError.INVALID_OPERATION, "the operator has no opposite member");
                }
                ProcessInfo self = process(caller).orElseThrow(() -> noSuchProcess(caller));
                NameEntry entry = self.name() == null ? null : tables.names().get(self.name().toString());
                ProcessHandle partner = entry == null ? null : entry.partnerOf(caller);
                if (partner == null) {
                    throw new GuardianException(GuardianError.INVALID_OPERATION, "process " + caller.cpuPin()
                            + " has no opposite member");
                }
                processStop(partner);
            }
        }
    }

    private void stopIfAlive(ProcessHandle h) {
        try {
            processStop(h);
        } catch (GuardianException e) {
            if (e.guardianError() != GuardianError.NO_SUCH_DEVICE) {
                throw e;
            }
        }
    }

    @Override
    public PairInfo processGetPairInfo(ProcessName name) {
        NameEntry entry = tables.nameLookups().get(name.toString());
        if (entry == null) {
            return new PairInfo(PairStatus.NO_SUCH_PROCESS, name, null, null, null, 0);
        }
        // The named process's ancestor is whoever created it, whichever member is primary now.
        ProcessHandle ancestor = entry.creator();
        PairStatus status = caller != null && caller.equals(entry.primary()) ? PairStatus.CALLER_IS_PRIMARY
                : caller != null && caller.equals(entry.backup()) ? PairStatus.CALLER_IS_BACKUP
                : entry.backup() != null ? PairStatus.PAIR : PairStatus.SINGLE;
        return new PairInfo(status, entry.name(), entry.primary(), entry.backup(), ancestor, entry.epoch(),
                entry.backup() != null && entry.ready());
    }

    @Override
    public PairInfo processGetPairInfo(ProcessHandle process) {
        Optional<ProcessInfo> info = process(process);
        if (info.isEmpty()) {
            return new PairInfo(PairStatus.NO_SUCH_PROCESS, null, null, null, null, 0);
        }
        if (info.get().name() == null) {
            return new PairInfo(PairStatus.UNNAMED, null, process, null, info.get().ancestor(), 0);
        }
        return processGetPairInfo(info.get().name());
    }

    @Override
    public int processHandleCompare(ProcessHandle a, ProcessHandle b) {
        if (a.equals(b)) {
            return 2;
        }
        Optional<ProcessInfo> pa = process(a);
        if (pa.isEmpty() || pa.get().name() == null) {
            return 0;
        }
        NameEntry entry = tables.nameLookups().get(pa.get().name().toString());
        return entry != null && entry.holds(a) && entry.holds(b) ? 1 : 0;
    }

    @Override
    public void switchPair(ProcessName name) {
        NameEntry entry = nameEntry(name);
        if (entry.backup() == null) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, name + " has no backup to switch to");
        }
        try {
            router.call(entry.primary().cpu(), new CpuTask.SwitchPair(entry.primary()));
        } finally {
            changed(name);
        }
    }

    /**
     * {@code guardian upgrade}, the operator's: see {@link PairUpgrade}. Not a Guardian
     * procedure; the command reaches it through a CPU's admin socket or over the engine.
     */
    public List<PairUpgrade.Step> upgradePair(ProcessName name, List<String> classPath,
                                              java.util.function.Consumer<PairUpgrade.Step> progress) {
        return new PairUpgrade(tables, router).run(name, classPath, progress);
    }

    @Override
    public Optional<ProcessInfo> lookup(ProcessName name) {
        NameEntry entry = tables.nameLookups().get(name.toString());
        return entry == null ? Optional.empty() : process(entry.primary());
    }

    /** The name entries as this CPU's lookups read them: for the tests and benchmark of the cache. */
    public org.openpair.emulator.names.NameCache nameLookups() {
        return tables.nameLookups();
    }

    @Override
    public Optional<ProcessInfo> process(ProcessHandle handle) {
        ProcessInfo info = tables.processes().get(NodeTables.processKey(handle));
        return info != null && info.handle().equals(handle) ? Optional.of(info) : Optional.empty();
    }

    @Override
    public List<ProcessInfo> processes() {
        List<ProcessInfo> all = new ArrayList<>(tables.processes().values());
        all.sort(Comparator.comparingInt((ProcessInfo p) -> p.handle().cpu()).thenComparingInt(p -> p.handle().pin()));
        return all;
    }

    @Override
    public List<CpuInfo> cpus() {
        Map<Integer, Membership.CpuMember> up = router.upCpus();
        Map<Integer, Integer> load = router.processCounts();
        Map<Integer, NodeTables.CpuRecord> records = tables.cpus().getAll(up.keySet());
        List<CpuInfo> result = new ArrayList<>();
        up.forEach((cpu, member) -> {
            NodeTables.CpuRecord record = records.get(cpu);
            // A member that has joined but not yet claimed its number is not a CPU yet.
            if (record != null && record.memberUuid().equals(member.member().toString())) {
                result.add(new CpuInfo(cpu, member.address(),
                        record.started(), load.getOrDefault(cpu, 0)));
            }
        });
        result.sort(Comparator.comparingInt(CpuInfo::cpu));
        return result;
    }

    @Override
    public Optional<Termination> termination(ProcessHandle handle) {
        return Optional.ofNullable(tables.terminations().get(NodeTables.terminationKey(handle)));
    }

    @Override
    public List<Termination> terminations() {
        List<Termination> all = new ArrayList<>(tables.terminations().values());
        all.sort(Comparator.comparing(Termination::at).reversed());
        return all;
    }

    @Override
    public void kill(ProcessHandle process, org.openpair.guardian.Signal signal) {
        if (process == null || signal == null) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "kill needs a process and a signal");
        }
        router.call(process.cpu(), new CpuTask.Kill(process, signal, caller));
    }

    @Override
    public void kill(ProcessName name, org.openpair.guardian.Signal signal) {
        kill(nameEntry(name).primary(), signal);
    }

    private NameEntry nameEntry(ProcessName name) {
        NameEntry entry = tables.names().get(name.toString());
        if (entry == null) {
            throw new GuardianException(GuardianError.NO_SUCH_DEVICE, "no process is named " + name);
        }
        return entry;
    }

    private static GuardianException noSuchProcess(ProcessHandle h) {
        return new GuardianException(GuardianError.NO_SUCH_DEVICE, "no process " + h);
    }

    @Override
    public org.openpair.guardian.RobustSemaphore semaphoreCreate(String name, int permits,
                                                                 org.openpair.guardian.DeathPolicy policy) {
        return new org.openpair.emulator.semaphores.Semaphores(tables, caller, metrics).create(name, permits, policy);
    }

    @Override
    public org.openpair.guardian.RobustSemaphore semaphore(String name) {
        return new org.openpair.emulator.semaphores.Semaphores(tables, caller, metrics).open(name);
    }

    @Override
    public List<org.openpair.guardian.SemaphoreInfo> semaphores() {
        return new org.openpair.emulator.semaphores.Semaphores(tables, caller, metrics).list();
    }

    @Override
    public int semaphorePurge(String name) {
        return new org.openpair.emulator.semaphores.Semaphores(tables, caller, metrics).purge(name);
    }
}
