package org.openpair.emulator.cpu;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.openpair.emulator.attach.AdminSocket;
import org.openpair.emulator.cluster.Engine;
import org.openpair.emulator.cluster.Membership;
import org.openpair.emulator.cluster.StalledHandshakes;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.events.Event;
import org.openpair.emulator.events.EventLog;
import org.openpair.emulator.metrics.CpuMetrics;
import org.openpair.emulator.metrics.MetricsEndpoint;
import org.openpair.emulator.node.CpuRouter;
import org.openpair.emulator.node.CpuService;
import org.openpair.emulator.node.CpuTask;
import org.openpair.emulator.node.CpuTaskGuard;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.procedures.NodeGuardian;
import org.openpair.emulator.process.ProcessTable;
import org.openpair.emulator.process.RecordRepair;
import org.openpair.emulator.semaphores.SemaphoreReaper;
import org.openpair.emulator.threads.Clock;
import org.openpair.emulator.threads.SystemThreads;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;

/**
 * One CPU of the node: a Hazelcast member carrying its CPU number, its process table, and the
 * watcher that retires a lost CPU's processes. A CPU claims its number in the node's CPU table
 * when it starts and is refused (error 12) if a live member already holds it.
 */
public final class Cpu implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Cpu.class.getName());

    private final NodeConfig config;
    private final int number;
    private final Engine engine;
    private final NodeTables tables;
    private final ProcessTable processes;
    private final Membership membership;
    private final CpuLossSweeper sweeper;
    private final CpuRouter router;
    /** What other CPUs, the engine and this CPU's router may ask of it. */
    private final LocalCalls localCalls;
    private final CpuLinks links;
    private QuorumWatch quorum;
    private final StalledHandshakes handshakes;
    private SemaphoreReaper semaphoreReaper;
    private final DeathWatch deathWatch;
    /** This CPU's lease and the grants it gives; null when the node runs without leases. */
    private final Lease lease;
    private final NumberClaim claim;
    /** Restores the name entries of this CPU's primaries; see {@code process.RecordRepair}. */
    private volatile RecordRepair repair;
    /** Where this CPU's metrics are served; null: metrics are off. */
    private final MetricsEndpoint metricsEndpoint;
    private final CpuMetrics metrics;
    /** Where a command on this machine reaches the node without an engine client; null: none. */
    private volatile AdminSocket admin;
    private volatile boolean running = true;
    private final EventLog events;

    /** How long an orderly shutdown lets the event log write what is queued. */
    private static final long EVENTS_BOUND_MILLIS = 2000;
    /** Leases a departure this CPU saw waits for its own lease to be held again before others are left to sweep. */
    private static final int LEASE_WAITS_FOR_SWEEP = 5;

    private Cpu(NodeConfig config, int number, Engine engine, MetricsEndpoint metricsEndpoint) {
        this.config = config;
        this.number = number;
        this.engine = engine;
        this.metricsEndpoint = metricsEndpoint;
        this.metrics = metricsEndpoint == null ? CpuMetrics.NONE : metricsEndpoint.metrics();
        this.handshakes = engine.watchHandshakes(StalledHandshakes.boundFor(config.heartbeatTimeoutSeconds()),
                "cpu" + number);
        this.tables = new NodeTables(engine, config.nodeKey());
        this.events = EventLog.start(engine, config.nodeName(), number, config.logDir());
        this.links = CpuLinks.start(config, number, tables);
        this.localCalls = new LocalCalls(number, links, () -> running);
        this.router = new CpuRouter(tables, config, localCalls);
        this.processes = new ProcessTable(config, number, tables, router, links, this::guardianAs, metrics);
        if (metricsEndpoint != null) {
            metricsEndpoint.countProcesses(processes::count);
        }
        this.membership = engine.membership();
        this.lease = config.lease().isZero() ? null : new Lease(number, membership, config.quorum(),
                Lease.Settings.of(config.lease()), links::askLease, processes::fencePrimaries, processes::carriesPairAlone,
                (lost, evidence) -> EventLog.emit(config.nodeName(), number, new Event.CpuDown(lost, evidence)));
        if (lease != null) {
            processes.actAsPrimaryWhile(lease::held, lease::renewNow);
        }
        this.links.receiveWith(processes, lease);
        this.router.noticesBy(links.notices());
        this.router.callsBy(links.calls());
        this.sweeper = lease == null ? new CpuLossSweeper(tables, membership, number, router, config.quorum())
                : new CpuLossSweeper(tables, membership, number, router, config.quorum(), lease::held,
                        config.lease().multipliedBy(LEASE_WAITS_FOR_SWEEP));
        this.deathWatch = new DeathWatch(config, number, membership, tables);
        localCalls.bind(processes, deathWatch);
        this.claim = new NumberClaim(config, number, tables, membership, sweeper, links::port);
    }

    /**
     * Starts CPU {@code number} of the node and returns once it has joined and holds its
     * number.
     *
     * @throws GuardianException 14 the number is not configured in the node; 12 the number is
     *                           held by a live CPU, or its address (or its metrics port) is taken
     *                           on this machine
     */
    public static Cpu start(NodeConfig config, int number) {
        if (!config.hasCpu(number)) {
            throw new GuardianException(GuardianError.NO_SUCH_DEVICE, "CPU " + number + " is not configured in node \\"
                    + config.nodeName() + " (CPUs " + config.cpuAddresses().keySet() + ")");
        }
        KeyCheck.announce(config, number);
        ConcurrentMap<String, Object> context = new ConcurrentHashMap<>();
        String address = config.cpuAddresses().get(number);
        // Before the member joins: a port in use refuses the CPU with nothing to undo.
        MetricsEndpoint metricsEndpoint = config.metricsPort(number).isEmpty() ? null
                : MetricsEndpoint.open(config.nodeName(), number, NodeConfig.hostOf(address),
                        config.metricsPort(number).getAsInt());
        Engine engine;
        try {
            engine = Engine.startMember(NodeEngineSettings.of(config), number, NodeConfig.hostOf(address),
                    NodeConfig.portOf(address), context);
        } catch (RuntimeException e) {
            closeMetrics(metricsEndpoint);
            if (isBindFailure(e)) {
                throw new GuardianException(GuardianError.IN_USE, "CPU " + number + ": address "
                        + config.cpuAddresses().get(number) + " is already in use (is CPU " + number
                        + " already running on this machine?)");
            }
            throw new GuardianException(GuardianError.DEVICE_DOWN, "CPU " + number + " could not start: " + e.getMessage(), e);
        }
        Cpu cpu = new Cpu(config, number, engine, metricsEndpoint);
        try {
            KeyCheck.againstPeers(config, number, cpu.tables);
            cpu.claim.claim();
            if (cpu.lease != null) {
                cpu.lease.start();
            }
        } catch (RuntimeException e) {
            cpu.closeLease();
            cpu.handshakes.close();
            cpu.links.close();
            cpu.events.close(1);
            engine.terminate();
            closeMetrics(metricsEndpoint);
            throw e;
        }
        // Callable by the node only once it holds its number. Hazelcast copies the configured
        // user context into the instance, so register in the instance's.
        engine.userContext().put(CpuTaskGuard.USER_CONTEXT_KEY,
                new CpuTaskGuard(config.nodeKey().orElse(null), number));
        engine.userContext().put(CpuService.USER_CONTEXT_KEY, cpu.localCalls);
        cpu.links.notices().serve(cpu.localCalls);
        cpu.links.calls().serve(cpu.localCalls);
        cpu.membership.onCpuLeft(m -> {
            EventLog.emit(config.nodeName(), number, new Event.CpuDown(m.cpu(), "the engine removed its member " + m.address()));
            cpu.sweeper.cpuLeft(m);
        });
        cpu.quorum = new QuorumWatch(cpu.membership, number, config.quorum(),
                QuorumWatch.fencing(cpu.processes::fencePrimaries, cpu.processes::haltAfterSplit),
                config.heartbeatIntervalSeconds(), config.heartbeatTimeoutSeconds(), Clock.SYSTEM);
        cpu.semaphoreReaper = SemaphoreReaper.start(cpu.tables, number, cpu.router);
        cpu.membership.onMerge(cpu.sweeper::viewChanging,
                () -> SystemThreads.daemon(cpu::reclaimAfterMerge, "cpu" + number + "-reclaim").start());
        cpu.sweepLostCpus();
        cpu.announceUp();
        cpu.deathWatch.start();
        cpu.claim.keepUp(Clock.SYSTEM);
        cpu.repair = cpu.processes.repairNames(number, () -> cpu.membership.cpuMembers().size() >= config.quorum());
        // Last: a command that finds the socket finds a CPU that serves.
        config.runDir().ifPresent(dir -> cpu.admin = AdminSocket.open(dir,
                config.nodeName(), number, cpu.guardian(), config.nodeKey().orElse(null)).orElse(null));
        LOG.log(System.Logger.Level.INFO, "CPU {0} of \\{1} is up at {2}", number, config.nodeName(),
                config.cpuAddresses().get(number));
        EventLog.emit(config.nodeName(), number, new Event.CpuUp(number, config.cpuAddresses().get(number)));
        return cpu;
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.BindException
                    || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * After a split heals this member comes back with a new identity: claim the number again,
     * or leave the node if another CPU took it meanwhile.
     */
    private void reclaimAfterMerge() {
        try {
            processes.recordHalted();
            claim.claim();
            announceUp();
            LOG.log(System.Logger.Level.INFO, "CPU {0} rejoined the node after a split", number);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "CPU {0} cannot hold its number after a split: {1}; leaving the node",
                    number, e.getMessage());
            shutdown();
        }
    }

    /** Retires the entries of CPUs that left while no survivor was there to do it. */
    private void sweepLostCpus() {
        Set<String> members = claim.memberUuids();
        for (NodeTables.CpuRecord record : tables.cpus().values()) {
            if (!members.contains(record.memberUuid())) {
                sweeper.sweep(record.cpu(), record.memberUuid(), "CPU " + record.cpu() + " failed");
            }
        }
    }

    /**
     * Tells the other CPUs that this one is up (-3 to their pair members), now that it serves
     * calls: a primary waiting for a CPU to put its backup on can create it here at once. The
     * membership event comes earlier, before this CPU holds its number, when a spawn here would
     * still be refused.
     */
    private void announceUp() {
        for (int other : router.upCpus().keySet()) {
            if (other != number) {
                router.tell(other, new CpuTask.CpuUp(number));
            }
        }
    }

    public int number() {
        return number;
    }

    public NodeConfig config() {
        return config;
    }

    /** The Guardian procedures as the operator, through this CPU. */
    public Guardian guardian() {
        return guardianAs(null);
    }

    /** The Guardian procedures as process {@code caller} would call them, through this CPU. */
    public Guardian guardianAs(ProcessHandle caller) {
        return NodeGuardian.onCpu(tables, config, caller, router, links, metrics);
    }

    /** The member underneath, for the test harness and benchmarks of this module. */
    public Engine engine() {
        return engine;
    }

    /** This CPU's process table, for the test harness and benchmarks of this module. */
    public ProcessTable processTable() {
        return processes;
    }

    /** The repair of its primaries' name entries, for the tests of forged records. */
    public RecordRepair recordRepair() {
        return repair;
    }

    /**
     * Waits until this CPU has handled the departure of the member {@code memberUuid}: retired
     * what it held, or found nothing to retire. For tests that act after every survivor's sweep.
     *
     * @return false if that took longer than {@code bound}
     */
    public boolean awaitDepartureHandled(String memberUuid, java.time.Duration bound) throws InterruptedException {
        return sweeper.awaitHandled(memberUuid, bound);
    }

    CpuLossSweeper sweeper() {
        return sweeper;
    }

    /** For this package's tests: see {@link CpuLinks#holdCheckpointsForTests}. */
    void holdCheckpointsForTests() {
        links.holdCheckpointsForTests();
    }

    /** For this package's tests: see {@link CpuLinks#holdCheckpointsForTests(java.util.function.Predicate)}. */
    void holdCheckpointsForTests(java.util.function.Predicate<java.nio.ByteBuffer> which) {
        links.holdCheckpointsForTests(which);
    }

    /** For this package's tests: whether the primary {@code primary} here is filling a new backup. */
    boolean fillingBackupForTests(ProcessHandle primary) {
        return processes.pairForTests(primary).fillingBackupForTests();
    }

    /**
     * For this package's tests: the ready mark of {@code name}'s backup as the name table holds it
     * (the table decides a takeover; {@code PROCESS_GETPAIRINFO_} answers from a cache that follows
     * it by an event).
     */
    boolean backupReadyInTableForTests(String name) {
        org.openpair.emulator.names.NameEntry entry = tables.names().get(name);
        return entry != null && entry.ready();
    }

    /** The node's tables as this CPU reaches them, for this package's tests. */
    NodeTables tables() {
        return tables;
    }

    /** For this package's tests: see {@link CpuLinks#heldCheckpointsForTests}. */
    int heldCheckpointsForTests() {
        return links.heldCheckpointsForTests();
    }

    /** For this package's tests: see {@link CpuLinks#releaseCheckpointsForTests}. */
    void releaseCheckpointsForTests() {
        links.releaseCheckpointsForTests();
    }

    /** Notifications over the CPU link, for this package's tests. */
    CpuNotices notices() {
        return links.notices();
    }

    /** Its lease, for this package's tests; null when the node runs without leases. */
    Lease lease() {
        return lease;
    }

    /** The claim on its number, for this package's tests. */
    NumberClaim claim() {
        return claim;
    }

    /** What the node may ask of this CPU, as the engine and the links deliver it; for this package's tests. */
    CpuService localCalls() {
        return localCalls;
    }

    /** Calls over the CPU link, for this package's tests. */
    CpuCalls calls() {
        return links.calls();
    }

    /**
     * Whether this CPU acts on the kernel's evidence that another CPU's JVM is gone (default), or
     * leaves every CPU loss to the engine's own detection: for benchmarks that measure the
     * engine's detection as their baseline, and tests that compare the two.
     */
    public void actOnKernelEvidence(boolean on) {
        deathWatch.acting(on);
    }

    /**
     * Whether this CPU takes over other CPUs whose lease ended (default), or leaves a hung CPU to
     * the engine's heartbeat: for benchmarks that measure the heartbeat as their baseline.
     */
    public void takeOverOnLease(boolean on) {
        if (lease != null) {
            lease.acting(on);
        }
    }

    public boolean isRunning() {
        return running;
    }

    /** How many processes run here. */
    public int processCount() {
        return processes.size();
    }

    /**
     * Takes the CPU out of the node in order: its processes end with completion code -4 and
     * the tables say so before the member leaves.
     */
    public synchronized void shutdown() {
        if (!running) {
            return;
        }
        running = false;
        closeAdmin();
        claim.close();
        closeRepair();
        processes.shutdown("CPU " + number + " was shut down");
        events.close(EVENTS_BOUND_MILLIS);
        try {
            tables.cpus().remove(number);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "CPU {0}: could not clear its record: {1}", number, e.toString());
        }
        deathWatch.close();
        sweeper.close();
        closeQuorum();
        closeSemaphoreReaper();
        handshakes.close();
        // The member leaves before the link server closes: a link that ends while the member is
        // still listed is the kernel's evidence of a crash to the other CPUs (DeathWatch), and an
        // orderly leave must not be taken for one. The lease is renewed until then, for the same reason.
        engine.shutdown();
        closeLease();
        links.close();
        closeMetrics(metricsEndpoint);
    }

    /**
     * Simulates a crash inside a shared JVM: the member vanishes without a word and its
     * processes die; the surviving CPUs find out from membership, as after {@code kill -9}.
     */
    public synchronized void crash() {
        if (!running) {
            return;
        }
        running = false;
        closeAdmin();
        claim.close();
        closeRepair();
        // Its processes stop acting first, as they would in a JVM killed with SIGKILL; then the
        // link: a crashed CPU's backups vanish, they do not refuse checkpoints.
        processes.freeze();
        // A crash loses what was not written yet, as SIGKILL would.
        events.close(1);
        closeLease();
        deathWatch.close();
        links.close();
        processes.crash();
        sweeper.close();
        closeQuorum();
        closeSemaphoreReaper();
        handshakes.close();
        engine.terminate();
        closeMetrics(metricsEndpoint);
    }

    private static void closeMetrics(MetricsEndpoint endpoint) {
        if (endpoint != null) {
            endpoint.close();
        }
    }

    private void closeAdmin() {
        AdminSocket a = admin;
        if (a != null) {
            a.close();
        }
    }

    /** This CPU's admin socket, if it has one: for the tests of the command. */
    public java.util.Optional<AdminSocket> adminSocket() {
        return java.util.Optional.ofNullable(admin);
    }

    private void closeRepair() {
        if (repair != null) {
            repair.close();
        }
    }

    private void closeSemaphoreReaper() {
        if (semaphoreReaper != null) {
            semaphoreReaper.close();
        }
    }

    private void closeLease() {
        if (lease != null) {
            lease.close();
        }
    }

    private void closeQuorum() {
        if (quorum != null) {
            quorum.close();
        }
    }

    @Override
    public void close() {
        shutdown();
    }
}
