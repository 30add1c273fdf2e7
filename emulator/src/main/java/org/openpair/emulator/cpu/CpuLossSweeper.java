package org.openpair.emulator.cpu;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

import org.openpair.emulator.cluster.Membership;
import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.names.NameUpdates;
import org.openpair.emulator.node.CpuRouter;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.threads.SystemThreads;
import org.openpair.emulator.process.ProcessTable;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.Termination;
import org.openpair.guardian.TerminationCause;

/**
 * Learns a CPU's loss from the engine's membership and retires everything the lost CPU held:
 * each of its processes ends with completion code -4 and its name is freed. Every surviving
 * CPU runs the sweep; the conditional removes let exactly one of them retire each process,
 * and the work runs off the event thread so membership events keep flowing.
 *
 * <p>A sweep is a verdict of this CPU's view of the node, and a CPU that was cut off (a thawed
 * SIGSTOP) sees every other CPU leave while it is alone. Hazelcast may merge it back before those
 * sweeps have run, and they would then retire, in the node's own tables, processes that live on
 * members of the node (seen: a live primary retired, its backup promoted, then retired in turn,
 * the pair lost). So a sweep queued before a merge is dropped ({@link #viewChanging}), and every
 * retirement first checks that the lost member is still not a member.
 *
 * <p>Where CPUs hold a lease, a CPU whose own lease has ended retires nothing until it holds it
 * again: it was paused or cut off, the others are taking it over, and the view its engine still
 * shows is the one from before (seen in {@code guardian chaos}: a CPU thawed after 1.7 s still
 * listed one other CPU for 35 ms, counted the quorum with it, and retired a live primary of the
 * majority, whose pair then could never make a backup again: "the calling process is gone").
 */
final class CpuLossSweeper {
    private static final System.Logger LOG = System.getLogger(CpuLossSweeper.class.getName());

    private final NodeTables tables;
    private final Membership membership;
    private final int self;
    private final CpuRouter router;
    private final int quorum;
    /** Whether this CPU holds its lease (always true without one). */
    private final BooleanSupplier leaseHeld;
    /** How long a departure waits for this CPU to hold its lease again before it is left to the others. */
    private final Duration leaseWait;
    private final ExecutorService worker;
    /** Bumped when this CPU merges back into the node: sweeps decided in the old view are dropped. */
    private final java.util.concurrent.atomic.AtomicLong view = new java.util.concurrent.atomic.AtomicLong();
    private static final int HANDLED_KEPT = 64;
    private static final long LEASE_POLL_MILLIS = 20;
    /** The members whose departure the worker has handled, newest last: what a test waits for. */
    private final java.util.Map<String, Boolean> handled = new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, Boolean> eldest) {
            return size() > HANDLED_KEPT;
        }
    };

    /** A sweeper of a node without leases. */
    CpuLossSweeper(NodeTables tables, Membership membership, int self, CpuRouter router, int quorum) {
        this(tables, membership, self, router, quorum, () -> true, Duration.ZERO);
    }

    /**
     * @param quorum    the fewest CPUs this CPU must see for its view to decide that another is lost
     * @param leaseHeld whether this CPU holds its lease now
     * @param leaseWait how long a departure seen while it does not waits for it
     */
    CpuLossSweeper(NodeTables tables, Membership membership, int self, CpuRouter router, int quorum,
                   BooleanSupplier leaseHeld, Duration leaseWait) {
        this.tables = tables;
        this.membership = membership;
        this.self = self;
        this.router = router;
        this.quorum = quorum;
        this.leaseHeld = leaseHeld;
        this.leaseWait = leaseWait;
        this.worker = Executors.newSingleThreadExecutor(r -> SystemThreads.daemon(r, "cpu" + self + "-loss-sweeper"));
    }

    /** A member carrying a CPU number left this CPU's view of the node (on an engine thread). */
    void cpuLeft(Membership.CpuMember member) {
        if (!worker.isShutdown()) {
            int lost = member.cpu();
            LOG.log(System.Logger.Level.INFO, "CPU {0}: CPU {1} left the node ({2})", self, lost, member.address());
            long seenIn = view.get();
            try {
                String uuid = member.member().toString();
                worker.execute(() -> {
                    try {
                        sweepIfHolder(lost, uuid, seenIn);
                    } finally {
                        handled(uuid);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // This CPU is closing between the check and the call: it sweeps nothing any more.
            }
        }
    }

    /**
     * Sweeps only if the departed member held the CPU number: a CPU refused because its number
     * was in use also carries the number, and its departure must not retire the processes of
     * the CPU that really holds it.
     */
    private void sweepIfHolder(int lost, String memberUuid, long seenIn) {
        if (!awaitOwnLease(lost, seenIn)) {
            return;
        }
        if (view.get() != seenIn) {
            LOG.log(System.Logger.Level.INFO, "CPU {0}: not retiring the processes of CPU {1}: this CPU merged back "
                    + "into the node since it saw CPU {1} leave", self, lost);
            return;
        }
        int visible = membership.cpuMembers().size();
        if (visible < quorum) {
            // Alone or on the small side of a split, this CPU's view is not the node's: the CPU it
            // saw leave may live on in the majority, and a write sent now can reach the node's
            // tables after a merge (the engine retries it there). The majority retires its CPUs.
            LOG.log(System.Logger.Level.INFO, "CPU {0}: not retiring the processes of CPU {1}: it sees {2} CPU(s), "
                    + "below the quorum of {3}", self, lost, visible, quorum);
            return;
        }
        try {
            NodeTables.CpuRecord record = tables.cpus().get(lost);
            if (record != null && !record.memberUuid().equals(memberUuid)) {
                LOG.log(System.Logger.Level.DEBUG, "CPU {0}: a member refused as CPU {1} left; nothing to retire",
                        self, lost);
                return;
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "CPU {0}: cannot read the record of CPU {1}: {2}", self, lost, e.toString());
            return;
        }
        sweep(lost, memberUuid, "CPU " + lost + " failed", seenIn, true);
    }

    /**
     * Whether this CPU holds its lease, waiting up to {@link #leaseWait} for it (or until a merge
     * changes its view, which the caller then finds); false, and logged, if it does not.
     */
    private boolean awaitOwnLease(int lost, long seenIn) {
        if (leaseHeld.getAsBoolean()) {
            return true;
        }
        long end = System.nanoTime() + leaseWait.toNanos();
        while (System.nanoTime() - end < 0 && view.get() == seenIn) {
            try {
                Thread.sleep(LEASE_POLL_MILLIS);
            } catch (InterruptedException e) {
                // Closing: the sweeper's worker is shut down.
                Thread.currentThread().interrupt();
                return false;
            }
            if (leaseHeld.getAsBoolean()) {
                return true;
            }
        }
        if (view.get() != seenIn) {
            return true;
        }
        LOG.log(System.Logger.Level.INFO, "CPU {0}: not retiring the processes of CPU {1}: its own lease has ended "
                + "and was not renewed within {2} ms (it was paused or cut off; the CPUs that hold theirs retire them)",
                self, lost, String.valueOf(leaseWait.toMillis()));
        return false;
    }

    /**
     * This CPU is merging back into the node, whose view replaces the one it had while cut off:
     * the losses it saw alone are not the node's.
     */
    void viewChanging() {
        view.incrementAndGet();
    }

    /**
     * Retires the processes of a CPU that is no longer a member; safe to run on every survivor,
     * and on a CPU that restarts under the number before it runs anything.
     */
    void sweep(int lost, String memberUuid, String reason) {
        sweep(lost, memberUuid, reason, view.get(), false);
    }

    /** @param needsLease a departure this CPU saw: it stops retiring if its own lease ends meanwhile */
    private void sweep(int lost, String memberUuid, String reason, long seenIn, boolean needsLease) {
        try {
            int retired = 0;
            for (String key : List.copyOf(tables.cpuProcesses().get(lost))) {
                if (view.get() != seenIn || (memberUuid != null && isMember(memberUuid))) {
                    LOG.log(System.Logger.Level.INFO, "CPU {0}: stopped retiring the processes of CPU {1}: a merge "
                            + "made its member part of this CPU''s view of the node again", self, lost);
                    return;
                }
                if (needsLease && !leaseHeld.getAsBoolean()) {
                    LOG.log(System.Logger.Level.INFO, "CPU {0}: stopped retiring the processes of CPU {1}: its own "
                            + "lease ended (it was paused); the CPUs that hold theirs retire the rest", self, lost);
                    return;
                }
                ProcessInfo info = tables.processes().get(key);
                if (info == null) {
                    tables.cpuProcesses().remove(lost, key);
                    continue;
                }
                ProcessInfo removed = tables.processes().update(key, new NodeTables.RemoveIfHeldBy<>(info.handle()));
                if (removed == null) {
                    continue;
                }
                Termination t = new Termination(info.handle(), info.name(), info.program().display(),
                        TerminationCause.CPU_DOWN, TerminationCause.CPU_DOWN.completionCode(-1), -1, 0, null, reason,
                        Instant.now());
                // The CPU may have recorded the real end just before it was lost.
                tables.terminations().putIfAbsent(NodeTables.terminationKey(info.handle()), t);
                if (info.name() != null) {
                    NameUpdates.Result r = tables.names().update(info.name().toString(),
                            new NameUpdates.RetireMember(info.handle(), self));
                    ProcessTable.tellPartner(r, t, true, router);
                }
                tables.cpuProcesses().remove(lost, key);
                retired++;
            }
            if (view.get() != seenIn || (memberUuid != null && isMember(memberUuid))) {
                return;
            }
            if (retired > 0) {
                LOG.log(System.Logger.Level.INFO, "CPU {0}: {1}; retired {2} of its processes with completion code -4",
                        self, reason, retired);
            }
            NodeTables.CpuRecord record = tables.cpus().get(lost);
            if (record != null && (memberUuid == null || record.memberUuid().equals(memberUuid))) {
                // While the record is the lost member's, no new CPU of the number runs anything yet.
                if (!retireNamedMembers(lost, memberUuid, reason, seenIn, needsLease)) {
                    return;
                }
                tables.cpus().remove(lost, record);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "CPU {0}: sweep after the loss of CPU {1} failed: {2}", self, lost,
                    e.toString());
        }
    }

    /**
     * Retires the pair members on the lost CPU that the name table still names once its index
     * has been swept: members whose index entry the engine lost. The entries of a CPU's
     * processes are written by that CPU, and a partition whose backup was not yet in sync when
     * the CPU that owned it was lost (partitions still migrating after a join, a backup the
     * engine gave up waiting for) loses its latest writes with it; the pair would otherwise keep
     * naming a dead primary, its ready backup never promoted, for good. Read last, since reading
     * the whole table waits for the migrations the loss starts; a retirement changes an entry
     * only while it still names the member, so a member that a sweep through the index retired
     * meanwhile is left alone, and exactly one sweeper tells the partner. Runs only while the
     * lost CPU's record is still its own (the caller's check, and again before each retirement):
     * a new CPU of that number, which may run processes under the same CPU number, claims the
     * number only once the record is gone or after sweeping it itself.
     *
     * @return false if it stopped early (this CPU's view or lease changed, or the record went),
     *         so the caller leaves the record to a sweeper that completes
     */
    private boolean retireNamedMembers(int lost, String memberUuid, String reason, long seenIn, boolean needsLease) {
        int retired = 0;
        for (NameEntry entry : List.copyOf(tables.names().values())) {
            for (ProcessHandle member : new ProcessHandle[] {entry.primary(), entry.backup()}) {
                if (member == null || member.cpu() != lost) {
                    continue;
                }
                if (view.get() != seenIn || (memberUuid != null && isMember(memberUuid))
                        || (needsLease && !leaseHeld.getAsBoolean()) || !stillRecordOf(lost, memberUuid)) {
                    return false;
                }
                String key = NodeTables.processKey(member);
                ProcessInfo info = tables.processes().get(key);
                String program = info != null && info.handle().equals(member) ? info.program().display() : "";
                Termination t = new Termination(member, entry.name(), program, TerminationCause.CPU_DOWN,
                        TerminationCause.CPU_DOWN.completionCode(-1), -1, 0, null, reason, Instant.now());
                tables.terminations().putIfAbsent(NodeTables.terminationKey(member), t);
                NameUpdates.Result r = tables.names().update(entry.name().toString(),
                        new NameUpdates.RetireMember(member, self));
                if (r.outcome() != NameUpdates.Outcome.NOT_HELD) {
                    ProcessTable.tellPartner(r, t, true, router);
                    retired++;
                    if (tables.cpuProcesses().get(lost).contains(key)) {
                        // Still listed: another CPU's sweep took its process entry and had not yet
                        // freed its name; whichever update came first acted, and told the partner.
                        LOG.log(System.Logger.Level.DEBUG, "CPU {0}: retired {1} of {2} by the name table while "
                                + "another CPU swept it", self, member.cpuPin(), entry.name());
                    } else {
                        LOG.log(System.Logger.Level.WARNING, "CPU {0}: {1} of {2} was named by the name table but "
                                + "missing from the index of CPU {3}; retired ({4})", self, member.cpuPin(),
                                entry.name(), lost, r.outcome());
                    }
                }
                if (info != null) {
                    tables.processes().update(key, new NodeTables.RemoveIfHeldBy<>(member));
                }
            }
        }
        if (retired > 0) {
            LOG.log(System.Logger.Level.INFO, "CPU {0}: {1}; retired {2} pair member(s) by the name table",
                    self, reason, retired);
        }
        return true;
    }

    private boolean stillRecordOf(int lost, String memberUuid) {
        NodeTables.CpuRecord record = tables.cpus().get(lost);
        return record != null && (memberUuid == null || record.memberUuid().equals(memberUuid));
    }

    private boolean isMember(String memberUuid) {
        return membership.isMember(java.util.UUID.fromString(memberUuid));
    }

    private void handled(String memberUuid) {
        synchronized (handled) {
            handled.put(memberUuid, Boolean.TRUE);
            handled.notifyAll();
        }
    }

    /**
     * Waits until this CPU has handled the departure of member {@code memberUuid} (swept what
     * it held, or found nothing to sweep), for tests; false after {@code bound}. Only the
     * newest {@value #HANDLED_KEPT} departures are remembered.
     */
    boolean awaitHandled(String memberUuid, java.time.Duration bound) throws InterruptedException {
        long end = System.nanoTime() + bound.toNanos();
        synchronized (handled) {
            while (!handled.containsKey(memberUuid)) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(handled, left);
            }
            return true;
        }
    }

    /** Waits until the sweeps queued so far have run, for tests; false after {@code bound}. */
    boolean awaitQueued(java.time.Duration bound) throws InterruptedException {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        worker.execute(done::countDown);
        return done.await(bound.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    void close() {
        worker.shutdownNow();
    }
}
