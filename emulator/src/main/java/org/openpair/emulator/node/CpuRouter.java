package org.openpair.emulator.node;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.openpair.emulator.cluster.Engine;
import org.openpair.emulator.cluster.MemberGone;
import org.openpair.emulator.cluster.Membership;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.emulator.config.NodeConfig;

/**
 * Finds the member that holds a CPU and runs a call there: directly when that CPU shares this
 * JVM, as a {@link org.openpair.emulator.cluster.MemberCall} on its member otherwise. Also answers which CPUs are up and how loaded.
 */
public final class CpuRouter {
    private static final System.Logger LOG = System.getLogger(CpuRouter.class.getName());
    /** What a stop may take on its CPU beyond the grace time: the SIGKILL and the reaping (ProcessTable.stop). */
    private static final long STOP_KILL_MILLIS = 5000;
    /** What an upgrade's new backup may take to start and receive the state, beyond the operator timeout. */
    private static final long REPLACE_FILL_MILLIS = 60_000;

    private final NodeTables tables;
    private final NodeConfig config;
    private final CpuService local;
    private final Membership membership;
    private final Engine engine;
    private volatile NoticeLane lane;
    private volatile CallLane callLane;

    /**
     * A faster way than Hazelcast's executor to deliver a notification to another CPU (the CPU
     * link). Delivery may be ambiguous (a link that breaks after the write): the lane then runs
     * {@code fallback}, which sends it the slow way, so the notifications it carries must be
     * safe to receive twice.
     */
    public interface NoticeLane {
        /** Sends {@code call} to {@code cpu}; false if it did not send (nothing was written). */
        boolean deliver(int cpu, CpuTask.CpuCall<?> call, Runnable fallback);
    }

    /**
     * A faster way than the engine's member calls to run a call on another CPU and wait for its
     * answer (the CPU link).
     */
    public interface CallLane {
        /**
         * Sends {@code call} to {@code cpu}; the future completes with its reply, or fails when
         * the lane broke after sending (the call may or may not have run). Null when it did not
         * send (no lane to that CPU now): nothing was written, and the engine may carry it.
         */
        java.util.concurrent.CompletableFuture<CpuTask.Reply<?>> send(int cpu, CpuTask.CpuCall<?> call);
    }

    /** @param local the CPU in this JVM to call directly, or {@code null} */
    public CpuRouter(NodeTables tables, NodeConfig config, CpuService local) {
        this.tables = tables;
        this.config = config;
        this.local = local;
        this.engine = tables.engine();
        this.membership = engine.membership();
    }

    /**
     * The members holding CPUs, by CPU number. A member refused because its number was in use
     * carries the number too until it leaves: the CPU table says which member holds it.
     */
    public Map<Integer, Membership.CpuMember> upCpus() {
        Map<Integer, Membership.CpuMember> up = new TreeMap<>();
        Map<Integer, Integer> carriers = new HashMap<>();
        List<Membership.CpuMember> members = membership.cpuMembers();
        for (Membership.CpuMember m : members) {
            up.put(m.cpu(), m);
            carriers.merge(m.cpu(), 1, Integer::sum);
        }
        carriers.forEach((cpu, count) -> {
            if (count > 1) {
                NodeTables.CpuRecord holder = tables.cpus().get(cpu);
                for (Membership.CpuMember m : members) {
                    if (holder != null && m.member().toString().equals(holder.memberUuid())) {
                        up.put(cpu, m);
                    }
                }
            }
        });
        return up;
    }

    /** The engine's member that holds {@code cpu}; null if it is not up. */
    private UUID memberOf(int cpu) {
        Membership.CpuMember holder = upCpus().get(cpu);
        return holder == null ? null : holder.member();
    }

    public boolean isUp(int cpu) {
        return upCpus().containsKey(cpu);
    }

    /** Processes per up CPU, read by key from the CPU index (no query over the process table). */
    public Map<Integer, Integer> processCounts() {
        Map<Integer, Integer> counts = new HashMap<>();
        for (int cpu : upCpus().keySet()) {
            counts.put(cpu, tables.cpuProcesses().valueCount(cpu));
        }
        return counts;
    }

    /** The least loaded CPU that is up, other than {@code excluded} (-1: none excluded). */
    public int leastLoadedCpu(int excluded) {
        Map<Integer, Integer> load = processCounts();
        return load.keySet().stream()
                .filter(cpu -> cpu != excluded)
                .min(Comparator.comparingInt((Integer cpu) -> load.getOrDefault(cpu, 0)).thenComparingInt(cpu -> cpu))
                .orElseThrow(() -> new GuardianException(GuardianError.DEVICE_DOWN, excluded < 0
                        ? "no CPU of node \\" + config.nodeName() + " is up"
                        : "no CPU other than " + excluded + " is up in node \\" + config.nodeName()));
    }

    /** Runs the call on the CPU and returns its result; Guardian errors arrive as they were thrown. */
    public <T> T call(int cpu, CpuTask.CpuCall<T> call) {
        if (local != null && local.number() == cpu) {
            return call.call(local);
        }
        UUID member = memberOf(cpu);
        if (member == null) {
            if (!config.hasCpu(cpu)) {
                throw new GuardianException(GuardianError.NO_SUCH_DEVICE, "CPU " + cpu + " is not configured in node \\"
                        + config.nodeName() + " (CPUs " + config.cpuAddresses().keySet() + ")");
            }
            throw new GuardianException(GuardianError.DEVICE_DOWN, "CPU " + cpu + " is down");
        }
        long boundMillis = config.operatorTimeout().toMillis()
                + (call instanceof CpuTask.Stop ? 2 * config.stopGrace().toMillis() + STOP_KILL_MILLIS : 0)
                // An upgrade's replacement stops the backup, then creates and fills its successor.
                + (call instanceof CpuTask.ReplaceBackup ? 2 * config.stopGrace().toMillis() + STOP_KILL_MILLIS
                        + REPLACE_FILL_MILLIS : 0);
        CallLane fast = callLane;
        java.util.concurrent.CompletableFuture<CpuTask.Reply<?>> sent = fast == null ? null : fast.send(cpu, call);
        if (sent != null) {
            return answer(cpu, sent, boundMillis);
        }
        try {
            return engine.call(member, sealed(CpuTask.of(call), cpu), boundMillis).valueOrThrow();
        } catch (MemberGone e) {
            throw new GuardianException(GuardianError.CPU_FAILED, "CPU " + cpu + " failed during the call");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new GuardianException(GuardianError.INVALID_OPERATION, "CPU " + cpu + " failed the call: " + cause, cause);
        } catch (TimeoutException e) {
            throw timedOut(cpu, boundMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuardianException(GuardianError.TIMED_OUT, "interrupted while waiting for CPU " + cpu);
        }
    }

    /**
     * The call may still run there if the CPU resumes; a hung CPU is declared dead only after
     * the heartbeat timeout, and its partner CPUs take over then.
     */
    private GuardianException timedOut(int cpu, long boundMillis) {
        return new GuardianException(GuardianError.TIMED_OUT, "CPU " + cpu + " did not answer within " + boundMillis
                + " ms (operator timeout " + config.operatorTimeout().toMillis() + " ms): it may be hung");
    }

    /** The answer of a call sent on the CPU link. */
    @SuppressWarnings("unchecked")
    private <T> T answer(int cpu, java.util.concurrent.CompletableFuture<CpuTask.Reply<?>> sent, long boundMillis) {
        try {
            return ((CpuTask.Reply<T>) sent.get(boundMillis, TimeUnit.MILLISECONDS)).valueOrThrow();
        } catch (ExecutionException e) {
            // Written, then the link broke: a CPU that died takes its work with it; a CPU whose
            // link merely broke may have run the call, and only the caller can look.
            if (!isUp(cpu)) {
                throw new GuardianException(GuardianError.CPU_FAILED, "CPU " + cpu + " failed during the call");
            }
            throw new GuardianException(GuardianError.CPU_FAILED, "the link to CPU " + cpu + " broke during the call ("
                    + e.getCause().getMessage() + "); it may or may not have run");
        } catch (TimeoutException e) {
            sent.cancel(false);
            throw timedOut(cpu, boundMillis);
        } catch (InterruptedException e) {
            sent.cancel(false);
            Thread.currentThread().interrupt();
            throw new GuardianException(GuardianError.TIMED_OUT, "interrupted while waiting for CPU " + cpu);
        }
    }

    /** The task sealed with the node key for CPU {@code target}, as the engine must carry it; unchanged without a key. */
    private <T> CpuTask<T> sealed(CpuTask<T> task, int target) {
        return config.nodeKey().map(key -> task.sealed(key, local != null ? local.number() : -1, target)).orElse(task);
    }

    /** From now on {@link #call} tries {@code lane} first. */
    public void callsBy(CallLane lane) {
        this.callLane = lane;
    }

    /** From now on {@link #tell} tries {@code lane} first. */
    public void noticesBy(NoticeLane lane) {
        this.lane = lane;
    }

    /**
     * Delivers a notification to a CPU without waiting for it: a death or a promotion must not
     * hold up the CPU that reports it. A CPU that is gone is logged and skipped; its own loss
     * is handled by the survivors' sweep.
     */
    public void tell(int cpu, CpuTask.CpuCall<?> call) {
        if (local != null && local.number() == cpu) {
            try {
                call.call(local);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "notification {0} to CPU {1} failed: {2}", call, cpu, e.toString());
            }
            return;
        }
        NoticeLane fast = lane;
        if (fast != null && fast.deliver(cpu, call, () -> tellByExecutor(cpu, call))) {
            return;
        }
        tellByExecutor(cpu, call);
    }

    private void tellByExecutor(int cpu, CpuTask.CpuCall<?> call) {
        UUID member = memberOf(cpu);
        if (member == null) {
            LOG.log(System.Logger.Level.INFO, "notification {0} not sent: CPU {1} is down", call, cpu);
            return;
        }
        try {
            engine.tell(member, sealed(CpuTask.notice(call), cpu));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "notification {0} to CPU {1} failed: {2}", call, cpu, e.toString());
        }
    }
}
