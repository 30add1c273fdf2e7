package org.openpair.emulator.pairs;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.openpair.emulator.link.Verdict;
import org.openpair.emulator.node.CpuRouter;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.CheckpointResult;
import org.openpair.guardian.CheckpointedMap;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.RestartPolicy;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.SystemMessage;
import org.openpair.guardian.Takeover;

/**
 * One process's membership in its pair: its role, epoch and partner, the checkpoint channel
 * to its backup (as primary), and the two locks that order every change to them; the work
 * is done by its parts, one job each: {@link CheckpointSender} (the primary's checkpoints),
 * {@link BackupCreation} (the backup and its re-creation under the restart policy),
 * {@link CheckSwitch} (CHECKSWITCH at the primary's safe point), {@link CheckMonitor} (the
 * backup's held checkpoints and its promotion) and {@link CheckpointedState}.
 *
 * <p>Ordering is the whole contract. A backup appends each accepted checkpoint to one queue
 * and a promotion appends the takeover after them, so {@link #awaitTakeover} applies every
 * acknowledged checkpoint before it returns. A primary sends under one lock, so checkpoints
 * leave in call order; a switch takes the same lock and waits for the acknowledgements in
 * flight before the roles swap. A checkpoint the backup refuses for its epoch means the pair
 * moved on without this process: it is fenced (stopped) at once.
 *
 * <p>The fields below are the parts' common ground, package-private so that each part acts
 * on the same fields under the same two locks: the send lock, and this object's monitor
 * (taken inside the send lock where both are held) for the role, epoch and sequence that a
 * backup's checkpoint thread reads. Every part logs under this class's name, which operators,
 * the takeover benchmark's stage trace and the tests read.
 */
public final class PairMember {
    static final System.Logger LOG = System.getLogger(PairMember.class.getName());

    /** What the member needs from its CPU. */
    public interface Host {
        /** The Guardian procedures as this process. */
        Guardian guardian();

        CheckpointLinks links();

        NodeTables tables();

        CpuRouter router();

        /** Stops this process because it may no longer act as primary. */
        void fence(String reason);

        /**
         * Whether its CPU holds its lease now: a primary answers requests and releases replies only
         * then (a CPU thawed after a pause finds it over before its first act; see {@code cpu.Lease}).
         */
        boolean leaseHeld();

        /**
         * Tells its CPU's lease that whether this process carries its pair alone may have changed
         * ({@link PairMember#carriesPairAlone}), so that the others learn it now rather than at
         * the lease's next beat. Completes true once a renewal that carries it was granted (at
         * once without a lease), false if none could be sent; it may never complete, so a caller
         * that waits bounds its wait.
         */
        java.util.concurrent.CompletableFuture<Boolean> pairCarriageChanged();

        /**
         * The request that creates a backup running this process's program, from
         * {@code classPath} (null: this process's own).
         */
        SpawnRequest.Builder backupRequest(java.util.List<String> classPath);

        /** The class path this process's program was loaded from (empty: the CPU's). */
        java.util.List<String> classPath();

        ScheduledExecutorService scheduler();

        /** What its CPU counts: takeovers, checkpoints, requests. */
        org.openpair.emulator.metrics.CpuMetrics metrics();
    }

    final Host host;
    final ProcessHandle self;
    final ProcessName name;
    final Object sendLock = new Object();
    private final LinkedBlockingQueue<SystemMessage> system = new LinkedBlockingQueue<>();
    final SavedReplies savedReplies = new SavedReplies();

    volatile PairRole role;
    volatile long epoch;
    volatile ProcessHandle partner;
    /**
     * The backup known to hold the whole state (the name table lists it ready): set where that
     * becomes true, and compared with {@link #partner}, so a new or dropped backup is not ready
     * without anyone having to say so.
     */
    volatile ProcessHandle readyBackup;
    /** Whether this pair ever had two members: a named process that never made a backup is no pair yet. */
    volatile boolean paired;
    /** Changed under the send lock; volatile so that fencing can abort it without that lock. */
    volatile CheckpointLinks.Channel channel;
    /** The last send to the backup, which a switch waits for; guarded by the send lock. */
    CompletableFuture<?> lastSend = CompletableFuture.completedFuture(null);
    /**
     * The channel leads to a backup still being filled, which can never take over before it is
     * ready: what is sent to it meanwhile does not wait for its acknowledgement (a reply leaves
     * at once, as without a backup), and it is marked ready only once everything sent to it was
     * acknowledged ({@code BackupCreation}). Guarded by the send lock.
     */
    boolean filling;
    /** The sequence a backup expects next; guarded by this object's monitor. */
    long nextSeq = 1;
    volatile boolean fenced;
    /** How many requests the program read from $RECEIVE and has not replied to. */
    volatile java.util.function.IntSupplier outstanding = () -> 0;
    /** Wakes a $RECEIVE read that waits, so that it reaches its safe point. */
    volatile Runnable wakeReceive = () -> { };
    /** Refuses (210) the requests $RECEIVE holds unread, once this process is no longer the primary. */
    volatile Runnable demoted = () -> { };

    final CheckpointSender sender;
    final CheckpointedState state;
    final BackupCreation backups;
    final CheckSwitch switcher;
    final CheckMonitor monitor;

    /**
     * @param role    BACKUP for a process created as a backup, PRIMARY for a named one, SINGLE otherwise
     * @param epoch   the pair's epoch when the process was created
     * @param partner the primary of a backup; {@code null} otherwise
     */
    public PairMember(Host host, ProcessHandle self, ProcessName name, PairRole role, long epoch, ProcessHandle partner) {
        this.host = host;
        this.self = self;
        this.name = name;
        this.role = role;
        this.epoch = epoch;
        this.partner = partner;
        this.paired = role == PairRole.BACKUP;
        this.sender = new CheckpointSender(this);
        this.state = new CheckpointedState(sender::checkpoint);
        this.backups = new BackupCreation(this);
        this.switcher = new CheckSwitch(this);
        this.monitor = new CheckMonitor(this);
    }

    public PairRole role() {
        return role;
    }

    /**
     * Whether this process is the only member that can carry its pair now: a primary whose backup
     * is gone or not ready yet (one promoted after its primary's death, until a new backup holds
     * the state). Its CPU's loss loses the pair, so the lease does not take that CPU over on a
     * pause (cpu.Lease).
     */
    /** How long a new backup's creator waits for the lease to carry it: a round is a link round trip. */
    static final java.time.Duration CARRIAGE_RENEWAL_BOUND = java.time.Duration.ofMillis(500);

    public boolean carriesPairAlone() {
        ProcessHandle p = partner;
        return role == PairRole.PRIMARY && paired && (p == null || !p.equals(readyBackup));
    }

    /** Its CPU's metrics, where its $RECEIVE counts requests. */
    public org.openpair.emulator.metrics.CpuMetrics metrics() {
        return host.metrics();
    }

    /**
     * The process's $RECEIVE: it tells how many requests are read and not replied to (a switch
     * waits for none), how to wake a read that waits, and how to refuse what is queued when
     * this process becomes the backup.
     */
    public void receiveWith(java.util.function.IntSupplier unreplied, Runnable wake, Runnable onDemoted) {
        this.outstanding = unreplied;
        this.wakeReceive = wake;
        this.demoted = onDemoted;
    }

    /** Wraps a program's checkpoint bytes; refuses (22) what exceeds the limit before copying. */
    public static byte[] userRecord(byte[] data) {
        if (data.length > ProcessContext.MAX_CHECKPOINT_BYTES) {
            throw new GuardianException(GuardianError.BOUNDS, "checkpoint of " + data.length
                    + " bytes exceeds the limit of " + ProcessContext.MAX_CHECKPOINT_BYTES);
        }
        return CheckpointRecord.user(data);
    }

    /** For tests: whether this primary's channel leads to a backup it is still filling. */
    public boolean fillingBackupForTests() {
        synchronized (sendLock) {
            return filling;
        }
    }

    public long epoch() {
        return epoch;
    }

    public CheckpointedMap state() {
        return state;
    }

    // ---- primary side -------------------------------------------------------------------

    /** PROCESS_SPAWN_ name option 3 from the process itself; see {@link ProcessContext#createBackup}. */
    public ProcessHandle createBackup(int cpu, RestartPolicy restartPolicy) {
        return backups.createBackup(cpu, restartPolicy);
    }

    /**
     * An upgrade's step: stops the backup (its death re-creates nothing) and creates its
     * successor on the same CPU from {@code classPath} (null: this process's own), handing it
     * the whole state as {@link #createBackup} does; later backups of this primary come from
     * that class path too. When the successor does not start, one from the class path before is
     * made instead and the error is thrown.
     *
     * @return the new backup; ready once the name table says so
     * @throws GuardianException 210 if this process is not the primary; the spawn's error
     *                           (11, 2, ...) if the new backup does not start
     */
    public ProcessHandle replaceBackup(java.util.List<String> classPath) {
        return backups.replaceBackup(classPath);
    }

    /** The class path of this process's program (empty: the CPU's). */
    public java.util.List<String> classPath() {
        return host.classPath();
    }

    /** Sends a checkpoint; the future completes when the backup holds it. */
    public CompletableFuture<CheckpointResult> checkpointAsync(byte[] record) {
        return sender.checkpointAsync(record);
    }

    /**
     * REPLY's checkpoint: records the reply as saved and sends it, with the program's state
     * change, as one checkpoint, under the send lock, so a backup created meanwhile gets it
     * either in its snapshot or on its channel. The future completes when the backup holds it.
     */
    public CompletableFuture<CheckpointResult> checkpointReply(long openId, long syncId, int depth, byte[] reply,
                                                               byte[] user) {
        return sender.checkpointReply(openId, syncId, depth, reply, user);
    }

    /**
     * {@link #checkpointReply(long, long, int, byte[], byte[])} with changes to the checkpointed
     * key-value state instead of the program's bytes: they are made here and reach the backup
     * with the reply, as one checkpoint.
     */
    public CompletableFuture<CheckpointResult> checkpointReply(long openId, long syncId, int depth, byte[] reply,
                                                               Map<String, String> changes) {
        return sender.checkpointReply(openId, syncId, depth, reply, changes);
    }

    /** FILE_CLOSE_ reached the server: the open's saved replies go, here and at the backup. */
    public void forgetOpen(long openId) {
        sender.forgetOpen(openId);
    }

    /** What this server already answered (see {@link SavedReplies}). */
    public SavedReplies savedReplies() {
        return savedReplies;
    }

    /** Whether its CPU holds its lease now: without it, this process may not act as primary for the moment. */
    public boolean leaseHeld() {
        return host.leaseHeld();
    }

    /** Whether this process was fenced: it may not act as primary any more. */
    public boolean isFenced() {
        return fenced;
    }

    /** Queues a system message (-103/-104 from the message system) for the process. */
    public void post(SystemMessage message) {
        system.add(message);
    }

    /**
     * The synchronous checkpoint: the caller's thread waits for the ack itself (reading the
     * link), under the send lock, so checkpoints stay in call order and a switch finds none in
     * flight.
     */
    public CheckpointResult checkpoint(byte[] record) {
        return sender.checkpoint(record);
    }

    void requirePrimary() {
        if (fenced) {
            throw new GuardianException(GuardianError.OWNERSHIP_CHANGED, name + ": this primary was fenced and is stopping");
        }
        if (role == PairRole.BACKUP) {
            throw new GuardianException(GuardianError.OWNERSHIP_CHANGED, name
                    + ": this process is the backup now (a switch happened): call awaitTakeover");
        }
    }

    /**
     * Takes the channel away, under the send lock; the caller closes it after leaving the lock.
     * Closing waits for the stream's own lock, which the link thread holds while it completes
     * futures whose handlers take the send lock: closing under the send lock could deadlock.
     */
    CheckpointLinks.Channel detachChannel() {
        CheckpointLinks.Channel c = channel;
        channel = null;
        filling = false;
        return c;
    }

    static void closeOutsideLocks(CheckpointLinks.Channel c) {
        if (c != null) {
            c.close();
        }
    }

    /** The backup died: tell the process, then re-create the backup if the policy says so. */
    public void partnerDied(ProcessHandle deadBackup, SystemMessage message) {
        backups.partnerDied(deadBackup, message);
    }

    /** A CPU came up: -3 to the process, and a pending backup re-creation tries at once. */
    public void cpuUp(int cpu) {
        backups.cpuUp(cpu);
    }

    /** How long a switch waits for the primary to reach a safe point. */
    public static final Duration SAFE_POINT_BOUND = Duration.ofSeconds(5);

    /**
     * CHECKSWITCH, asked for by the operator or another process: the switch is made by the
     * primary's own program at its next safe point (see {@link #safePoint}), where no request
     * is read and unanswered and no checkpoint of its is half done, so the demoted member's
     * state is exactly the new primary's. Returns once it is made and the new primary has taken
     * it over, so that what only a primary does may be asked of it at once.
     *
     * @throws GuardianException 2 if the pair has no backup ready to take over; 40 if the
     *                           program reached no safe point within {@link #SAFE_POINT_BOUND}
     *                           (nothing changed); 210 if this process is no longer the primary;
     *                           the call's error (211, 66, 40) if the new primary's CPU did not
     *                           confirm the takeover (the switch is made: the name lists it)
     */
    public void switchToBackup() {
        switcher.switchToBackup();
    }

    /** True while a switch waits for this primary's safe point. */
    public boolean switchPending() {
        return switcher.pending();
    }

    /**
     * A safe point of the primary's program, called on its own thread by the calls where one
     * is (a $RECEIVE read, a checkpoint) when no request is read and unanswered. A pending
     * switch is made here, and the call that reached it throws 210: the program learns of the
     * switch at once, and goes on as the backup (awaitTakeover).
     */
    public void safePoint() {
        switcher.safePoint();
    }

    // ---- backup side --------------------------------------------------------------------

    /**
     * A checkpoint arrived from the primary; the answer decides the acknowledgement and, as a
     * refusal, travels back to the primary in the link's NACK as it is.
     */
    public Verdict onCheckpoint(long senderEpoch, long seq, byte[] record) {
        return monitor.onCheckpoint(senderEpoch, seq, record);
    }

    /** The name table made this backup the primary: it applies what it holds, then acts as primary. */
    public void promote(Takeover takeover, SystemMessage message, ProcessHandle newBackup) {
        monitor.promote(takeover, message, newBackup);
    }

    /** Applies held checkpoints until this process is the primary; see {@link ProcessContext#awaitTakeover}. */
    public Takeover awaitTakeover(Consumer<byte[]> applier) {
        return monitor.awaitTakeover(applier);
    }

    // ---- both ---------------------------------------------------------------------------

    public Optional<SystemMessage> readSystemMessage(Duration timeout) {
        try {
            return Optional.ofNullable(system.poll(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** The process is fenced: it may no longer act as primary. */
    public void markFenced() {
        fenced = true;
        // A checkpoint in flight may hold the send lock while it waits for an ack that will not
        // come (the backup is across a split): abort it first, so that its sender fails, leaves
        // the lock and finds the process fenced; waiting for the lock could take the link's whole
        // stall bound.
        CheckpointLinks.Channel inFlight = channel;
        if (inFlight != null) {
            inFlight.abort("the primary " + self.cpuPin() + " of " + name + " was fenced");
        }
        CheckpointLinks.Channel old;
        synchronized (sendLock) {
            old = detachChannel();
        }
        closeOutsideLocks(old);
    }

    /** The process ended: release the channel. */
    public void close() {
        CheckpointLinks.Channel old;
        synchronized (sendLock) {
            old = detachChannel();
        }
        closeOutsideLocks(old);
        monitor.end();
    }
}
