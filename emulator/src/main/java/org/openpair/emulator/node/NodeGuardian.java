package org.openpair.emulator.node;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.spi.exception.TargetNotMemberException;

import org.openpair.guardian.CpuInfo;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.Termination;

/**
 * The Guardian procedures over the node's tables, for one caller: a process (its handle names
 * it as ancestor and killer) or the operator ({@code caller == null}). Reads go to the
 * partitioned tables; spawn and stop run on the CPU that owns the process, directly when that
 * CPU shares this JVM and as a task on its member otherwise. Works the same from a CPU's
 * member and from a client.
 */
public final class NodeGuardian implements Guardian {
    private static final long CALL_TIMEOUT_SECONDS = 60;

    private final NodeTables tables;
    private final NodeConfig config;
    private final ProcessHandle caller;
    private final CpuService local;

    /**
     * @param caller the calling process, or {@code null} for the operator
     * @param local  the CPU in this JVM to call directly, or {@code null}
     */
    public NodeGuardian(NodeTables tables, NodeConfig config, ProcessHandle caller, CpuService local) {
        this.tables = tables;
        this.config = config;
        this.caller = caller;
        this.local = local;
    }

    @Override
    public String nodeName() {
        return config.nodeName();
    }

    @Override
    public ProcessHandle processSpawn(SpawnRequest request) {
        int target = switch (request.cpu()) {
            case SpawnRequest.CALLER_CPU -> caller != null ? caller.cpu() : leastLoadedCpu();
            case SpawnRequest.ANY_CPU -> leastLoadedCpu();
            default -> request.cpu();
        };
        SpawnRequest routed = request.cpu() == target ? request : request.onCpu(target);
        return onCpu(target, new CpuTask.Spawn(routed, caller)).handle();
    }

    @Override
    public void processStop(ProcessHandle process) {
        onCpu(process.cpu(), new CpuTask.Stop(process, caller));
    }

    @Override
    public void processStop(ProcessName name) {
        NodeTables.NameEntry entry = tables.names().get(name.toString());
        if (entry == null) {
            throw new GuardianException(GuardianError.NO_SUCH_DEVICE, "no process is named " + name);
        }
        processStop(entry.primary());
    }

    @Override
    public Optional<ProcessInfo> lookup(ProcessName name) {
        NodeTables.NameEntry entry = tables.names().get(name.toString());
        return entry == null ? Optional.empty() : process(entry.primary());
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
        Map<Integer, Integer> load = processCounts();
        Map<Integer, NodeTables.CpuRecord> records = tables.cpus().getAll(upCpus().keySet());
        List<CpuInfo> result = new ArrayList<>();
        upCpus().forEach((cpu, member) -> {
            NodeTables.CpuRecord record = records.get(cpu);
            result.add(new CpuInfo(cpu, member.getAddress().getHost() + ":" + member.getAddress().getPort(),
                    record == null ? Instant.EPOCH : record.started(), load.getOrDefault(cpu, 0)));
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

    /**
     * The members holding CPUs, by CPU number. A member refused because its number was in use
     * carries the number too until it leaves: the CPU table says which member holds it.
     */
    Map<Integer, Member> upCpus() {
        Map<Integer, Member> up = new java.util.TreeMap<>();
        Map<Integer, Integer> carriers = new HashMap<>();
        for (Member m : tables.hazelcast().getCluster().getMembers()) {
            String cpu = m.getAttribute(ClusterConfigs.CPU_ATTRIBUTE);
            if (cpu != null) {
                int n = Integer.parseInt(cpu);
                up.put(n, m);
                carriers.merge(n, 1, Integer::sum);
            }
        }
        carriers.forEach((cpu, count) -> {
            if (count > 1) {
                NodeTables.CpuRecord holder = tables.cpus().get(cpu);
                for (Member m : tables.hazelcast().getCluster().getMembers()) {
                    if (holder != null && m.getUuid().toString().equals(holder.memberUuid())) {
                        up.put(cpu, m);
                    }
                }
            }
        });
        return up;
    }

    /** Processes per up CPU, read by key from the CPU index (no query over the process table). */
    private Map<Integer, Integer> processCounts() {
        Map<Integer, Integer> counts = new HashMap<>();
        for (int cpu : upCpus().keySet()) {
            counts.put(cpu, tables.cpuProcesses().valueCount(cpu));
        }
        return counts;
    }

    private int leastLoadedCpu() {
        Map<Integer, Integer> load = processCounts();
        return upCpus().keySet().stream()
                .min(Comparator.comparingInt((Integer cpu) -> load.getOrDefault(cpu, 0)).thenComparingInt(cpu -> cpu))
                .orElseThrow(() -> new GuardianException(GuardianError.DEVICE_DOWN, "no CPU of node \\"
                        + config.nodeName() + " is up"));
    }

    private <T> T onCpu(int cpu, CpuTask.CpuCall<T> call) {
        if (local != null && local.number() == cpu) {
            return call.call(local);
        }
        Member member = upCpus().get(cpu);
        if (member == null) {
            if (!config.hasCpu(cpu)) {
                throw new GuardianException(GuardianError.NO_SUCH_DEVICE, "CPU " + cpu + " is not configured in node \\"
                        + config.nodeName() + " (CPUs " + config.cpuAddresses().keySet() + ")");
            }
            throw new GuardianException(GuardianError.DEVICE_DOWN, "CPU " + cpu + " is down");
        }
        try {
            return tables.hazelcast().getExecutorService(NodeTables.CPU_EXECUTOR)
                    .submitToMember(new CpuTask<>(call), member)
                    .get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                    .valueOrThrow();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof GuardianException g) {
                throw new GuardianException(g.guardianError(), g.getMessage());
            }
            if (e instanceof MemberLeftException || cause instanceof MemberLeftException || cause instanceof TargetNotMemberException
                    || cause instanceof HazelcastInstanceNotActiveException) {
                throw new GuardianException(GuardianError.CPU_FAILED, "CPU " + cpu + " failed during the call");
            }
            throw new GuardianException(GuardianError.INVALID_OPERATION, "CPU " + cpu + " failed the call: " + cause, cause);
        } catch (TimeoutException e) {
            throw new GuardianException(GuardianError.TIMED_OUT, "CPU " + cpu + " did not answer within "
                    + CALL_TIMEOUT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuardianException(GuardianError.TIMED_OUT, "interrupted while waiting for CPU " + cpu);
        } catch (TargetNotMemberException | HazelcastInstanceNotActiveException e) {
            throw new GuardianException(GuardianError.CPU_FAILED, "CPU " + cpu + " failed during the call");
        }
    }
}
