package org.openpair.emulator.cpu;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;

import org.openpair.emulator.node.ClusterConfigs;
import org.openpair.emulator.node.SystemThreads;
import org.openpair.emulator.process.ProcessTable;

/**
 * Stops this CPU's primaries when it may be on the wrong side of a split: when it sees fewer
 * CPUs than the node's quorum. When Hazelcast merges it back into a larger cluster, that
 * cluster has declared it down and retired its processes with -4, so it halts them all, as a
 * NonStop CPU that was declared down is halted, and rejoins empty. The check runs on every membership
 * change and every 250 ms, so a CPU that was frozen (SIGSTOP) acts within that bound once its
 * own heartbeat check has dropped the peers it can no longer hear.
 */
final class QuorumWatch implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(QuorumWatch.class.getName());
    private static final long PERIOD_MILLIS = 250;

    private final HazelcastInstance hz;
    private final int cpu;
    private final int quorum;
    private final ProcessTable processes;
    private final ScheduledExecutorService timer;
    private volatile boolean reported;

    QuorumWatch(HazelcastInstance hz, int cpu, int quorum, ProcessTable processes) {
        this.hz = hz;
        this.cpu = cpu;
        this.quorum = quorum;
        this.processes = processes;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> SystemThreads.daemon(r, "cpu" + cpu + "-quorum"));
        timer.scheduleWithFixedDelay(this::check, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
        hz.getLifecycleService().addLifecycleListener(this::onLifecycle);
    }

    private void check() {
        try {
            if (!hz.getLifecycleService().isRunning()) {
                return;
            }
            long visible = hz.getCluster().getMembers().stream()
                    .filter(m -> m.getAttribute(ClusterConfigs.CPU_ATTRIBUTE) != null).count();
            if (visible < quorum) {
                if (!reported) {
                    LOG.log(System.Logger.Level.WARNING, "CPU {0} sees {1} CPU(s), below the quorum of {2}: "
                            + "stopping its primaries", cpu, visible, quorum);
                    reported = true;
                }
                processes.fencePrimaries("CPU " + cpu + " lost the quorum (" + visible + " of " + quorum + " CPUs visible)");
            } else {
                reported = false;
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "quorum check failed: {0}", e.toString());
        }
    }

    private void onLifecycle(LifecycleEvent event) {
        if (event.getState() == LifecycleEvent.LifecycleState.MERGING) {
            LOG.log(System.Logger.Level.WARNING, "CPU {0} is merging back into the node, which declared it down: "
                    + "halting its processes", cpu);
            processes.haltAfterSplit("CPU " + cpu + " was on the smaller side of a split");
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
