package org.openpair.emulator.process;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import org.openpair.emulator.events.Event;
import org.openpair.emulator.events.EventLog;
import org.openpair.emulator.link.Verdict;
import org.openpair.emulator.messages.Receivers;
import org.openpair.emulator.metrics.CpuMetrics;
import org.openpair.emulator.metrics.ProcessCensus;
import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.names.NameUpdates;
import org.openpair.emulator.node.CpuRouter;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.threads.SystemThreads;
import org.openpair.emulator.pairs.CheckpointLinks;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.SystemMessage;
import org.openpair.guardian.Takeover;
import org.openpair.guardian.Termination;
import org.openpair.guardian.TerminationCause;

/**
 * One CPU's processes: the registry of the live ones (by PIN and by verifier), creation, stop,
 * the pair events addressed to them, and the single place where a process ends
 * ({@link #retire}), which frees the name or hands it to the backup first (a takeover waits for
 * nothing else) and records the death before the process entry goes, so anyone who finds a
 * process gone can also find why.
 *
 * <p>Creation publishes the process entry before it claims the name: a name entry therefore
 * always points at published processes, and a second creation that finds the name held can
 * tell a live holder (refused, error 12) from a stale one left by a lost CPU (replaced).
 *
 * <p>Its helpers: {@link Creation} (PROCESS_SPAWN_ on this CPU), {@link CpuHalt} (the ends that
 * take every process or every primary of the CPU, and its down state), {@link NameClaims} (the
 * name of a process being created), {@link EndRecords} (an end written to the node tables, and
 * the partner told), {@link PairHost} (what a pair member needs from its CPU) and
 * {@link AttachSocket}.
 */
public final class ProcessTable {
    private static final System.Logger LOG = System.getLogger(ProcessTable.class.getName());
    /** Processes one CPU may run at once. */
    public static final int CAPACITY = 4096;

    private final NodeConfig config;
    private final NodeTables tables;
    private final PinAllocator pins = new PinAllocator(CAPACITY);
    private final Map<Integer, LocalProcess> live = new ConcurrentHashMap<>();
    private final Map<Long, LocalProcess> byVerifier = new ConcurrentHashMap<>();
    private final Receivers receivers = new Receivers();
    /** Pair chores off the callers' threads: backup re-creation, dropping a stale backup. */
    private final ScheduledExecutorService pairWork;
    /**
     * Writes a hosted process's end to the tables when the process's own thread retires it: a
     * stop interrupts those threads, and an interrupted table write would leave the entries
     * behind.
     */
    private final ExecutorService recorder;
    /** The loop timers of this CPU's hosted processes: one sampler thread. */
    private final org.openpair.emulator.timers.LoopTimers loopTimers;
    /** Where this CPU's Java OS processes attach; see {@link AttachedProcess}. */
    private final AttachSocket attachSocket;
    private final EndRecords ends;
    private final CpuHalt halt;
    private final Creation creation;
    private final CpuMetrics metrics;

    /**
     * @param router     reaches the other CPUs (and says which are up)
     * @param links      the checkpoint channels to other CPUs
     * @param guardianOf the Guardian procedures a hosted process calls, given its handle
     * @param metrics    what this CPU counts
     */
    private volatile java.util.function.BooleanSupplier lease = () -> true;
    private volatile java.util.function.Supplier<java.util.concurrent.CompletableFuture<Boolean>> renewal =
            () -> java.util.concurrent.CompletableFuture.completedFuture(true);

    public ProcessTable(NodeConfig config, int cpu, NodeTables tables, CpuRouter router, CheckpointLinks links,
                        Function<ProcessHandle, Guardian> guardianOf, CpuMetrics metrics) {
        this.config = config;
        this.tables = tables;
        this.metrics = metrics;
        // Creation spawns OS processes on it; the halts shut it down with the other threads.
        ExecutorService spawner = Executors.newSingleThreadExecutor(r -> daemon(r, "cpu" + cpu + "-spawner"));
        this.pairWork = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "cpu" + cpu + "-pairs"));
        this.recorder = Executors.newSingleThreadExecutor(r -> daemon(r, "cpu" + cpu + "-recorder"));
        this.loopTimers = new org.openpair.emulator.timers.LoopTimers(cpu);
        this.attachSocket = new AttachSocket(cpu, config.runDir().orElse(null), config.nodeName(), this::crashed);
        this.ends = new EndRecords(cpu, tables, router);
        this.halt = new CpuHalt(cpu, this, live, ends, spawner, pairWork, recorder, loopTimers, attachSocket);
        this.creation = new Creation(this, config, cpu, tables, router, links, guardianOf, pins, live, byVerifier,
                spawner, pairWork, attachSocket, halt);
    }

    /**
     * From now on this CPU's primaries act as such only while {@code lease} says its CPU holds its
     * lease ({@code cpu.Lease}), and a change in whether a pair member here carries its pair alone
     * renews that lease at once through {@code renewal} ({@code cpu.Lease#renewNow}); until this
     * is called, they always act and there is no lease to tell.
     */
    public void actAsPrimaryWhile(java.util.function.BooleanSupplier lease,
                                  java.util.function.Supplier<java.util.concurrent.CompletableFuture<Boolean>> renewal) {
        this.lease = lease;
        this.renewal = renewal;
    }

    boolean leaseHeld() {
        return lease.getAsBoolean();
    }

    java.util.concurrent.CompletableFuture<Boolean> pairCarriageChanged() {
        return renewal.get();
    }

    /** For the attach socket, made before {@link #halt} and so unable to take {@code halt::crashed}. */
    private boolean crashed() {
        return halt.crashed();
    }

    org.openpair.emulator.timers.LoopTimers loopTimers() {
        return loopTimers;
    }

    /** The attach socket, if open: for tests and benchmarks that talk to it directly. */
    public java.util.Optional<org.openpair.emulator.attach.AttachServer> attachSocket() {
        return attachSocket.current();
    }

    /**
     * Waits until the Java OS process {@code handle} of this CPU has attached.
     *
     * @return false if it ended or did not attach within {@code timeout}
     * @throws GuardianException 14 no such process here; 2 it is not a Java OS process
     */
    public boolean awaitAttached(ProcessHandle handle, java.time.Duration timeout) {
        LocalProcess p = local(handle);
        if (!(p instanceof AttachedProcess a)) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, handle.cpuPin() + " is not a Java OS process");
        }
        try {
            a.attached().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@code kill} of a process on this CPU: the signal is generated; it is not waited for. */
    public void kill(ProcessHandle target, org.openpair.guardian.Signal signal, ProcessHandle sender) {
        local(target).signal(signal, sender);
    }

    private static Thread daemon(Runnable r, String name) {
        return SystemThreads.daemon(r, name);
    }

    /** How many processes run here now. */
    public int size() {
        return live.size();
    }

    CpuMetrics metrics() {
        return metrics;
    }

    /**
     * Whether the only member able to carry some pair runs here (a primary without a ready
     * backup): the lease's renewals say so, and this CPU is then not taken over on its lease but
     * left to the engine's heartbeat, since its loss would lose that pair.
     */
    public boolean carriesPairAlone() {
        for (LocalProcess p : live.values()) {
            var pair = p.pair;
            if (pair != null && pair.carriesPairAlone()) {
                return true;
            }
        }
        return false;
    }

    /** How many processes here are in {@code state} and of {@code kind} now: the metrics' census. */
    public int count(ProcessCensus.State state, ProcessCensus.Kind kind) {
        int n = 0;
        for (LocalProcess p : live.values()) {
            if (p.censusState() == state && p.censusKind() == kind) {
                n++;
            }
        }
        return n;
    }

    /** PROCESS_SPAWN_ on this CPU; a request with {@link SpawnRequest#isMyBackup()} creates {@code ancestor}'s backup. */
    public ProcessInfo spawn(SpawnRequest request, ProcessHandle ancestor) {
        return creation.spawn(request, ancestor);
    }

    /** PROCESS_STOP_ of a process on this CPU; returns once it is gone. */
    public Termination stop(ProcessHandle target, ProcessHandle killer) {
        LocalProcess process = local(target);
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

    private LocalProcess local(ProcessHandle target) {
        LocalProcess process = live.get(target.pin());
        if (process == null || !process.handle().equals(target)) {
            throw new GuardianException(GuardianError.NO_SUCH_DEVICE, "no process " + target.descriptor(null)
                    + (process == null ? "" : " (PIN " + target.cpuPin() + " now holds " + process.info.descriptor() + ")"));
        }
        return process;
    }

    private Termination interrupted(LocalProcess process) {
        Thread.currentThread().interrupt();
        throw new GuardianException(GuardianError.TIMED_OUT, "interrupted while stopping " + process.info.descriptor());
    }

    /**
     * Ends a process exactly once: records its termination, removes it from the node's tables,
     * and frees its name or hands it to its backup, telling the partner. A stop requested
     * earlier turns any ending into STOPPED (6).
     */
    void retire(LocalProcess process, TerminationCause cause, int exitStatus, int signal, String detail) {
        Termination t;
        synchronized (process) {
            if (process.ended.isDone()) {
                return;
            }
            if (process.stopRequested() && cause != TerminationCause.CPU_DOWN && cause != TerminationCause.FENCED) {
                cause = TerminationCause.STOPPED;
            }
            ProcessHandle handle = process.handle();
            t = new Termination(handle, process.info.name(), process.info.program().display(), cause,
                    cause.completionCode(exitStatus), exitStatus, signal,
                    cause == TerminationCause.STOPPED ? process.killer() : null, detail, Instant.now());
            EventLog.emit(handle.node(), handle.cpu(), Event.ProcessEnded.of(t));
            if (process.pair != null) {
                process.pair.close();
            }
            if (!halt.crashed() && !halt.silent()) {
                Termination ended = t;
                Runnable record = () -> ends.record(process, ended);
                if (process.isOwnThread()) {
                    CompletableFuture.runAsync(record, recorder).join();
                } else {
                    record.run();
                }
            }
            live.remove(handle.pin(), process);
            byVerifier.remove(handle.verifier(), process);
            pins.release(handle.pin());
            if (process.receive != null) {
                receivers.remove(handle, process.receive);
                process.receive.close();
            }
            process.release();
            process.ended.complete(t);
        }
        LOG.log(System.Logger.Level.DEBUG, "{0} ended: {1} completion code {2} {3}", process.info.descriptor(),
                cause, t.completionCode(), detail);
    }

    /**
     * After a pair member's death changed its name entry: a promoted backup is told it is the
     * primary now; a primary whose backup died is told so. Used by the dead member's CPU and by
     * the survivors of a lost CPU alike.
     */
    public static void tellPartner(NameUpdates.Result r, Termination t, boolean cpuLost, CpuRouter router) {
        EndRecords.tellPartner(r, t, cpuLost, router);
    }

    // ---- pair events for processes of this CPU ---------------------------------------------

    /** A backup here became the primary. */
    public void promote(ProcessHandle backup, Takeover takeover, SystemMessage message, ProcessHandle newBackup) {
        LocalProcess p = live.get(backup.pin());
        if (p != null && p.handle().equals(backup) && p.pair != null) {
            p.pair.promote(takeover, message, newBackup);
            pairWork.execute(() -> adoptCreator(p));
        } else {
            LOG.log(System.Logger.Level.WARNING, "promotion of {0} arrived after it ended", backup);
        }
    }

    /**
     * A promoted member now stands for the named process, whose ancestor is its creator (kept in
     * the name entry), not the old primary that created this member as its backup.
     */
    private void adoptCreator(LocalProcess p) {
        try {
            NameEntry e = tables.names().get(p.info.name().toString());
            if (e != null && p.handle().equals(e.primary())) {
                tables.processes().update(NodeTables.processKey(p.handle()),
                        new NodeTables.SetAncestorIfHeldBy(p.handle(), e.creator()));
            }
        } catch (RuntimeException ex) {
            LOG.log(System.Logger.Level.DEBUG, "{0}: ancestor not updated: {1}", p.info.descriptor(), ex.toString());
        }
    }

    /** The backup of a primary here died. */
    public void partnerDied(ProcessHandle primary, ProcessHandle deadBackup, SystemMessage message) {
        LocalProcess p = live.get(primary.pin());
        if (p != null && p.handle().equals(primary) && p.pair != null) {
            p.pair.partnerDied(deadBackup, message);
        }
    }

    /** CHECKSWITCH of a primary here. */
    public void switchPrimary(ProcessHandle primary) {
        pairMember(primary).pair.switchToBackup();
    }

    /** An upgrade's step: {@link org.openpair.emulator.pairs.PairMember#replaceBackup}, once the code loads here. */
    public ProcessHandle replaceBackup(ProcessHandle primary, java.util.List<String> classPath) {
        LocalProcess p = pairMember(primary);
        ProgramCode.checkLoads(p.info.program(), classPath, config.classPath());
        return p.pair.replaceBackup(classPath);
    }

    /** A pair member's class path; with {@code candidate}, after checking its program loads from that one here. */
    public java.util.List<String> classPathOf(ProcessHandle member, java.util.List<String> candidate) {
        LocalProcess p = pairMember(member);
        if (candidate != null) {
            ProgramCode.checkLoads(p.info.program(), candidate, config.classPath());
        }
        return p.pair.classPath();
    }

    private LocalProcess pairMember(ProcessHandle handle) {
        LocalProcess p = local(handle);
        if (p.pair == null || p.info.name() == null) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, handle.cpuPin() + " ("
                    + p.info.program().display() + ") is no pair member: it can have no backup");
        }
        return p;
    }

    /** For tests: the pair member that the named process {@code handle} here is. */
    public org.openpair.emulator.pairs.PairMember pairForTests(ProcessHandle handle) {
        return pairMember(handle).pair;
    }

    /** A CPU came up: every pair member here is told (-3). */
    public void cpuUp(int upCpu) {
        for (LocalProcess p : live.values()) {
            if (p.pair != null && p.info.name() != null) {
                p.pair.cpuUp(upCpu);
            }
        }
    }

    /** The $RECEIVE of every live named process of this CPU, where requests are delivered. */
    public Receivers receivers() {
        return receivers;
    }

    /** A checkpoint for a backup of this CPU; {@code stream} is the backup's verifier. */
    public Verdict onCheckpoint(long stream, long epoch, long seq, byte[] record) {
        LocalProcess p = byVerifier.get(stream);
        if (p == null || p.pair == null || p.ended.isDone()) {
            return Verdict.UNKNOWN_STREAM;
        }
        return p.pair.onCheckpoint(epoch, seq, record);
    }

    /** Starts the repair of the name entries this CPU's primaries hold the truth of ({@link RecordRepair}). */
    public RecordRepair repairNames(int cpu, java.util.function.BooleanSupplier seesQuorum) {
        return RecordRepair.start(config.nodeName(), cpu, tables, live, seesQuorum,
                org.openpair.emulator.threads.Clock.SYSTEM);
    }

    // ---- ends of the whole CPU, run by CpuHalt ---------------------------------------------

    /**
     * Stops primaries that may no longer act as such (this CPU lost the node's quorum); they end
     * with completion code 6, cause FENCED.
     */
    public void fencePrimaries(String reason) {
        halt.fencePrimaries(reason);
    }

    /**
     * Halts every process here while this CPU merges back after a split, without a word to the
     * tables yet: they are mid-merge. {@link #recordHalted} writes the ends once the merge is
     * done; each write is conditional on the entry still naming the process, so what the
     * other side already retired stays as it is, and what it still lists (an even split, where
     * each side thought the other dead) is retired or handed to its backup.
     */
    public void haltAfterSplit(String reason) {
        halt.haltAfterSplit(reason);
    }

    /** After the merge: records the ends of the processes {@link #haltAfterSplit} halted. */
    public void recordHalted() {
        halt.recordHalted();
    }

    /**
     * The CPU is leaving the node in order: every process ends with completion code -4, as on
     * a CPU failure, and the tables are updated before the member leaves.
     */
    public void shutdown(String reason) {
        halt.shutdown(reason);
    }

    /**
     * The first step of a simulated crash: from now on no process of this CPU acts (a pair
     * member whose link breaks next must not stop its partner, which is about to take over),
     * as no process of a CPU killed with SIGKILL can.
     */
    public void freeze() {
        halt.freeze();
    }

    /**
     * Simulates the CPU's sudden death inside a shared JVM: processes are killed, nothing is
     * written to the tables (the survivors do that, as after a real crash).
     */
    public void crash() {
        halt.crash();
    }
}
