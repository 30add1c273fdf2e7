package org.openpair.emulator.cpu;

import org.openpair.emulator.cluster.Membership;
import org.openpair.emulator.threads.Clock;

/**
 * Stops this CPU's primaries when it may be on the wrong side of a split: when it sees fewer
 * CPUs than the node's quorum. When Hazelcast merges it back into a larger cluster, that
 * cluster has declared it down and retired its processes with -4, so it halts them all, as a
 * NonStop CPU that was declared down is halted, and rejoins empty. The check runs on every membership
 * change and every 250 ms, so a CPU that was frozen (SIGSTOP) acts within that bound once its
 * own heartbeat check has dropped the peers it can no longer hear.
 *
 * <p>A frozen CPU need not wait for that: when the check finds that it itself could not run for
 * so long that the other CPUs may have missed its heartbeats past their timeout (a gap of the
 * heartbeat timeout less one interval, by the monotonic clock, which runs on while a process is
 * stopped), it assumes it was declared down and stops its primaries at once, as a NonStop CPU
 * that missed a regroup halts itself. Hazelcast may keep a thawed member's view of the cluster
 * for many seconds after the others removed it, and a primary with no work in flight would act
 * as one all that time. A false alarm (a pause just short of the timeout) costs a takeover, never
 * a second primary.
 */
final class QuorumWatch implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(QuorumWatch.class.getName());
    private static final long PERIOD_MILLIS = 250;

    private final Membership membership;
    private final int cpu;
    private final int quorum;
    private final Fencing processes;
    private final Clock clock;
    private final Clock.Periodic timer;
    private final long suspendedNanos;
    private volatile boolean reported;
    /** When the last check ended, by the monotonic clock; touched only by the timer's thread. */
    private long lastCheckEnd;

    /** What the watch does to this CPU's processes ({@code process.ProcessTable} does it). */
    interface Fencing {
        /** Stops the primaries here, which may no longer act as such. */
        void fencePrimaries(String reason);

        /** Halts every process here: this CPU is merging back into a node that declared it down. */
        void haltAfterSplit(String reason);
    }

    /** The fencing done by {@code fence} and {@code halt}. */
    static Fencing fencing(java.util.function.Consumer<String> fence, java.util.function.Consumer<String> halt) {
        return new Fencing() {
            @Override
            public void fencePrimaries(String reason) {
                fence.accept(reason);
            }

            @Override
            public void haltAfterSplit(String reason) {
                halt.accept(reason);
            }
        };
    }

    /**
     * @param heartbeatIntervalSeconds how often this CPU's member sends heartbeats
     * @param heartbeatTimeoutSeconds  how long the others wait for one before declaring it down
     */
    QuorumWatch(Membership membership, int cpu, int quorum, Fencing processes, int heartbeatIntervalSeconds,
                int heartbeatTimeoutSeconds, Clock clock) {
        this.membership = membership;
        this.cpu = cpu;
        this.quorum = quorum;
        this.processes = processes;
        this.clock = clock;
        this.suspendedNanos = suspendedThreshold(heartbeatIntervalSeconds, heartbeatTimeoutSeconds).toNanos();
        this.lastCheckEnd = clock.nanoTime();
        this.timer = clock.everyAfter(java.time.Duration.ofMillis(PERIOD_MILLIS), "cpu" + cpu + "-quorum", this::check);
        membership.onMerge(this::onMerging, () -> { });
    }

    /** The gap between two checks after which the others may have declared this CPU down. */
    static java.time.Duration suspendedThreshold(int heartbeatIntervalSeconds, int heartbeatTimeoutSeconds) {
        // At least 1 s (four check periods), so a check merely delayed by load is no alarm.
        return java.time.Duration.ofMillis(Math.max(1000L, (heartbeatTimeoutSeconds - heartbeatIntervalSeconds) * 1000L));
    }

    private void check() {
        // From the previous check's end: a check slowed by its own work is no sign of a frozen CPU.
        long gap = clock.nanoTime() - lastCheckEnd;
        try {
            if (!membership.isRunning()) {
                return;
            }
            if (gap >= suspendedNanos) {
                LOG.log(System.Logger.Level.WARNING, "CPU {0} could not run for {1} ms, long enough for the node to "
                        + "declare it down: stopping its primaries", cpu, gap / 1_000_000);
                processes.fencePrimaries("CPU " + cpu + " was suspended for " + gap / 1_000_000
                        + " ms and may have been declared down");
                return;
            }
            long visible = membership.cpuMembers().size();
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
        } finally {
            lastCheckEnd = clock.nanoTime();
        }
    }

    private void onMerging() {
        LOG.log(System.Logger.Level.WARNING, "CPU {0} is merging back into the node, which declared it down: "
                + "halting its processes", cpu);
        processes.haltAfterSplit("CPU " + cpu + " was on the smaller side of a split");
    }

    @Override
    public void close() {
        timer.close();
    }
}
