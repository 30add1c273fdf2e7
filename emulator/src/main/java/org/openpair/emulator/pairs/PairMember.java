package org.openpair.emulator.pairs;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.names.NameTableQuorum;
import org.openpair.emulator.names.NameUpdates;
import org.openpair.emulator.node.CpuRouter;
import org.openpair.emulator.node.CpuTask;
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
import org.openpair.guardian.TakeoverCause;

/**
 * One process's membership in its pair: its role and epoch, the checkpoint channel to its
 * backup (as primary), the checkpoints it holds and has not applied yet (as backup), its
 * checkpointed key-value state and its system messages.
 *
 * <p>Ordering is the whole contract. A backup appends each accepted checkpoint to one queue
 * and a promotion appends the takeover after them, so {@link #awaitTakeover} applies every
 * acknowledged checkpoint before it returns. A primary sends under one lock, so checkpoints
 * leave in call order; a switch takes the same lock and waits for the acknowledgements in
 * flight before the roles swap. A checkpoint the backup refuses for its epoch means the pair
 * moved on without this process: it is fenced (stopped) at once.
 */
public final class PairMember {
    private static final System.Logger LOG = System.getLogger(PairMember.class.getName());
    private static final Object NOTHING = new Object();

    /** What the member needs from its CPU. */
    public interface Host {
        /** The Guardian procedures as this process. */
        Guardian guardian();

        CheckpointLinks links();

        NodeTables tables();

        CpuRouter router();

        /** Stops this process because it may no longer act as primary. */
        void fence(String reason);

        /** The request that creates a backup running this process's program. */
        SpawnRequest.Builder backupRequest();

        ScheduledExecutorService scheduler();
    }

    private final Host host;
    private final ProcessHandle self;
    private final ProcessName name;
    private final Object sendLock = new Object();
    private final LinkedBlockingQueue<Object> held = new LinkedBlockingQueue<>();
    private final LinkedBlockingQueue<SystemMessage> system = new LinkedBlockingQueue<>();
    private final Map<String, String> state = new ConcurrentHashMap<>();
    private final Deque<Instant> restarts = new ArrayDeque<>();
    private final Deque<ProcessHandle> deadPartners = new ArrayDeque<>();
    private final StateMap stateView = new StateMap();
    private final SavedReplies savedReplies = new SavedReplies();

    private volatile PairRole role;
    private volatile long epoch;
    private volatile ProcessHandle partner;
    private volatile RestartPolicy policy = RestartPolicy.TEMPORARY;
    /** Changed under the send lock; volatile so that fencing can abort it without that lock. */
    private volatile CheckpointLinks.Channel channel;
    private CompletableFuture<?> lastSend = CompletableFuture.completedFuture(null);
    private long nextSeq = 1;
    private volatile boolean fenced;
    private long retryDelayMillis = 1000;
    /** A backup's death reported before the promotion that names it arrived; guarded by the send lock. */
    private EarlyDeath earlyBackupDeath;
    /** The pending timer retry of a backup re-creation: at most one. */
    private java.util.concurrent.ScheduledFuture<?> retry;
    private final Object retryLock = new Object();
    /** A switch waiting for this primary's next safe point (CHECKSWITCH); see {@link #safePoint}. */
    private volatile CompletableFuture<Long> pendingSwitch;
    private final Object switchLock = new Object();
    /** A new backup's state transfer being received (as backup). */
    private StateTransfer.Incoming incoming;
    /** How many requests the program read from $RECEIVE and has not replied to. */
    private volatile java.util.function.IntSupplier outstanding = () -> 0;
    /** Wakes a $RECEIVE read that waits, so that it reaches its safe point. */
    private volatile Runnable wakeReceive = () -> { };
    /** Refuses (210) the requests $RECEIVE holds unread, once this process is no longer the primary. */
    private volatile Runnable demoted = () -> { };

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
    }

    public PairRole role() {
        return role;
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

    public long epoch() {
        return epoch;
    }

    public CheckpointedMap state() {
        return stateView;
    }

    // ---- primary side -------------------------------------------------------------------

    /** PROCESS_SPAWN_ name option 3 from the process itself; see {@link ProcessContext#createBackup}. */
    public ProcessHandle createBackup(int cpu, RestartPolicy restartPolicy) {
        if (name == null) {
            throw new GuardianException(GuardianError.BOUNDS, "process " + self.cpuPin()
                    + " is unnamed: only a named process can create its backup");
        }
        if (role == PairRole.BACKUP) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "a backup cannot create a backup");
        }
        this.policy = restartPolicy;
        ProcessHandle current = partner;
        if (current != null) {
            // Before any spawn: a second backup would only be refused by the name table after it started.
            throw new GuardianException(GuardianError.IN_USE, name + " already has a backup: " + current.cpuPin());
        }
        return spawnAndAttach(cpu);
    }

    private ProcessHandle spawnAndAttach(int cpu) {
        ProcessHandle backup = host.guardian().processSpawn(host.backupRequest().myBackup().cpu(cpu).build());
        NameEntry entry = host.tables().names().get(name.toString());
        // Lock order as in StateMap: state, then the send lock, so no change slips between the snapshot and the channel.
        CheckpointLinks.Channel old;
        java.util.List<CompletableFuture<Long>> transfer = new java.util.ArrayList<>();
        long entries;
        long started = System.nanoTime();
        synchronized (state) {
        synchronized (sendLock) {
            if (entry == null || !backup.equals(entry.backup()) || !self.equals(entry.primary())) {
                throw new GuardianException(GuardianError.OWNERSHIP_CHANGED, "the backup " + backup.cpuPin()
                        + " of " + name + " was lost while it was being created");
            }
            old = detachChannel();
            partner = backup;
            epoch = entry.epoch();
            role = PairRole.PRIMARY;
            channel = host.links().open(backup.cpu(), backup.verifier(), epoch);
            // The new backup starts from the whole checkpointed state, in chunks the link carries,
            // verified at the backup's end; every chunk's acknowledgement is checked below.
            entries = state.size();
            var records = StateTransfer.records(Map.copyOf(state), savedReplies.snapshot(), policy);
            while (records.hasNext()) {
                transfer.add(channel.send(records.next()));
            }
            lastSend = transfer.get(transfer.size() - 1);
        }
        }
        closeOutsideLocks(old);
        CheckpointResult first = settle(CompletableFuture.allOf(transfer.toArray(CompletableFuture[]::new)), backup);
        if (first == CheckpointResult.OK) {
            // Only now may the backup take over: it holds everything the primary was told was safe.
            NameUpdates.Result r = host.tables().names().update(name.toString(),
                    new NameUpdates.BackupReady(self, backup));
            if (r.outcome() != NameUpdates.Outcome.DONE) {
                LOG.log(System.Logger.Level.WARNING, "{0}: backup {1} holds the state but the name no longer "
                        + "lists it with this primary ({2})", name, backup.cpuPin(), r.outcome());
            }
        }
        LOG.log(System.Logger.Level.INFO, "{0}: backup {1} created at epoch {2} (state {3}: {4} entries in {5} "
                + "records, {6} ms)", name, backup.cpuPin(), epoch, first, entries, transfer.size(),
                (System.nanoTime() - started) / 1_000_000);
        return backup;
    }

    /** Sends a checkpoint; the future completes when the backup holds it. */
    public CompletableFuture<CheckpointResult> checkpointAsync(byte[] record) {
        if (record.length > ProcessContext.MAX_CHECKPOINT_BYTES + 1) {
            throw new GuardianException(GuardianError.BOUNDS, "checkpoint of " + (record.length - 1)
                    + " bytes exceeds the limit of " + ProcessContext.MAX_CHECKPOINT_BYTES);
        }
        safePoint();
        synchronized (sendLock) {
            requirePrimary();
            if (channel == null) {
                return CompletableFuture.completedFuture(CheckpointResult.NO_BACKUP);
            }
            CompletableFuture<Long> sent = channel.send(record);
            lastSend = sent;
            return outcome(sent, partner);
        }
    }

    /**
     * A send's outcome for the program: OK once the backup holds it; after a failure, what
     * {@link #onSendFailure} decides, worked out on the pair's own thread, since it writes the
     * name table and must not hold up the link thread that completes the send.
     */
    private CompletableFuture<CheckpointResult> outcome(CompletableFuture<Long> sent, ProcessHandle to) {
        return sent.handle((seq, failure) -> failure == null ? OK
                : CompletableFuture.supplyAsync(() -> onSendFailure(failure, to), host.scheduler()))
                .thenCompose(f -> f);
    }

    private static final CompletableFuture<CheckpointResult> OK = CompletableFuture.completedFuture(CheckpointResult.OK);

    /**
     * REPLY's checkpoint: records the reply as saved and sends it, with the program's state
     * change, as one checkpoint, under the send lock, so a backup created meanwhile gets it
     * either in its snapshot or on its channel. The future completes when the backup holds it.
     */
    public CompletableFuture<CheckpointResult> checkpointReply(long openId, long syncId, int depth, byte[] reply,
                                                               byte[] user) {
        return sendReply(openId, syncId, depth, reply, user.length == 0 ? user : CheckpointRecord.user(user));
    }

    /**
     * {@link #checkpointReply(long, long, int, byte[], byte[])} with changes to the checkpointed
     * key-value state instead of the program's bytes: they are made here and reach the backup
     * with the reply, as one checkpoint.
     */
    public CompletableFuture<CheckpointResult> checkpointReply(long openId, long syncId, int depth, byte[] reply,
                                                               Map<String, String> changes) {
        // Lock order as in StateMap: state, then the send lock.
        synchronized (state) {
            CompletableFuture<CheckpointResult> sent = sendReply(openId, syncId, depth, reply,
                    changes.isEmpty() ? new byte[0] : CheckpointRecord.putAll(changes));
            state.putAll(changes);
            return sent;
        }
    }

    private CompletableFuture<CheckpointResult> sendReply(long openId, long syncId, int depth, byte[] reply,
                                                          byte[] change) {
        if (reply.length + change.length > ProcessContext.MAX_CHECKPOINT_BYTES) {
            throw new GuardianException(GuardianError.BOUNDS, "a reply of " + reply.length + " bytes with a state change of "
                    + change.length + " bytes exceeds the limit of " + ProcessContext.MAX_CHECKPOINT_BYTES);
        }
        byte[] record = CheckpointRecord.reply(openId, syncId, depth, reply, change);
        synchronized (sendLock) {
            requirePrimary();
            savedReplies.record(openId, syncId, depth, reply);
            if (channel == null) {
                return CompletableFuture.completedFuture(CheckpointResult.NO_BACKUP);
            }
            CompletableFuture<Long> sent = channel.send(record);
            lastSend = sent;
            return outcome(sent, partner);
        }
    }

    /** FILE_CLOSE_ reached the server: the open's saved replies go, here and at the backup. */
    public void forgetOpen(long openId) {
        synchronized (sendLock) {
            savedReplies.forget(openId);
            if (channel != null && role == PairRole.PRIMARY && !fenced) {
                lastSend = channel.send(CheckpointRecord.closeOpen(openId));
            }
        }
    }

    /** What this server already answered (see {@link SavedReplies}). */
    public SavedReplies savedReplies() {
        return savedReplies;
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
        if (record.length > ProcessContext.MAX_CHECKPOINT_BYTES + 1) {
            throw new GuardianException(GuardianError.BOUNDS, "checkpoint of " + (record.length - 1)
                    + " bytes exceeds the limit of " + ProcessContext.MAX_CHECKPOINT_BYTES);
        }
        safePoint();
        CheckpointFailure failure;
        ProcessHandle to;
        synchronized (sendLock) {
            requirePrimary();
            if (channel == null) {
                return CheckpointResult.NO_BACKUP;
            }
            to = partner;
            try {
                channel.sendAndAwait(record);
                return CheckpointResult.OK;
            } catch (CheckpointFailure f) {
                failure = f;
            }
        }
        if (failure.kind() == CheckpointFailure.Kind.INTERRUPTED) {
            Thread.currentThread().interrupt();
            throw new GuardianException(GuardianError.TIMED_OUT, "interrupted while checkpointing");
        }
        return onSendFailure(failure, to);
    }

    private CheckpointResult settle(CompletableFuture<?> future, ProcessHandle to) {
        try {
            Object r = future.get();
            return r instanceof CheckpointResult c ? c : CheckpointResult.OK;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuardianException(GuardianError.TIMED_OUT, "interrupted while checkpointing");
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof GuardianException g) {
                throw g;
            }
            return onSendFailure(cause, to);
        }
    }

    /** @param to the backup the failed checkpoint was sent to */
    private CheckpointResult onSendFailure(Throwable failure, ProcessHandle to) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException c ? c.getCause() : failure;
        if (cause instanceof CheckpointFailure f && f.kind() == CheckpointFailure.Kind.STALE_EPOCH) {
            // Only the flag here: this may run on the link's thread under the stream's lock, where
            // taking the send lock could deadlock with a sender; host.fence detaches the channel.
            fenced = true;
            host.fence("its backup refused epoch " + epoch + ": the pair has moved on");
            throw new GuardianException(GuardianError.OWNERSHIP_CHANGED, name + ": this process is no longer the "
                    + "primary (epoch " + epoch + " was refused); it is being stopped");
        }
        if (fenced) {
            // A fenced primary's channel closes under its sends; its backup may be taking over right now.
            throw new GuardianException(GuardianError.OWNERSHIP_CHANGED, name + ": this primary was fenced and is stopping");
        }
        if (to == null || !to.equals(partner)) {
            // The stream of a backup that is gone already (a new one got the whole state since):
            // its end must not cost the pair the backup it has now.
            return CheckpointResult.NO_BACKUP;
        }
        // A backup that may have missed a checkpoint must never take over: the name marks it
        // lagging before this checkpoint counts as done without a backup, then it is stopped.
        revoke(to);
        dropBackup("the checkpoint link broke: " + (cause == null ? "?" : cause.getMessage()));
        return CheckpointResult.NO_BACKUP;
    }

    /**
     * Marks {@code lost} as lagging in the name entry, so it can never be promoted. If that cannot be
     * done, this primary may not go on alone: whatever it acknowledged next could be lost by a
     * promotion of the lagging backup.
     */
    private void revoke(ProcessHandle lost) {
        NameUpdates.Result r;
        try {
            r = host.tables().names().update(name.toString(), new NameUpdates.BackupLags(self, lost));
        } catch (RuntimeException e) {
            fenced = true;
            host.fence("its backup " + lost.cpuPin() + " missed a checkpoint and the name table could not be told: " + e);
            throw new GuardianException(GuardianError.OWNERSHIP_CHANGED, name + ": the backup missed a checkpoint and "
                    + "could not be marked lagging in the name table; this primary is being stopped");
        }
        if (r.outcome() == NameUpdates.Outcome.NOT_HELD) {
            fenced = true;
            host.fence("the name no longer names it as primary");
            throw new GuardianException(GuardianError.OWNERSHIP_CHANGED, name + ": this process is no longer the "
                    + "primary; it is being stopped");
        }
    }

    private void requirePrimary() {
        if (fenced) {
            throw new GuardianException(GuardianError.OWNERSHIP_CHANGED, name + ": this primary was fenced and is stopping");
        }
        if (role == PairRole.BACKUP) {
            throw new GuardianException(GuardianError.OWNERSHIP_CHANGED, name
                    + ": this process is the backup now (a switch happened): call awaitTakeover");
        }
    }

    private void dropBackup(String why) {
        ProcessHandle lost;
        CheckpointLinks.Channel old;
        synchronized (sendLock) {
            lost = partner;
            old = detachChannel();
            partner = null;
        }
        closeOutsideLocks(old);
        // Never from a fenced primary: its partner may be the new primary by now.
        if (lost != null && role == PairRole.PRIMARY && !fenced) {
            LOG.log(System.Logger.Level.WARNING, "{0}: dropping backup {1}: {2}", name, lost.cpuPin(), why);
            host.scheduler().execute(() -> {
                try {
                    host.guardian().processStop(lost);
                } catch (GuardianException e) {
                    LOG.log(System.Logger.Level.DEBUG, "{0}: backup {1} already gone: {2}", name, lost.cpuPin(), e.getMessage());
                }
            });
        }
    }

    /**
     * Takes the channel away, under the send lock; the caller closes it after leaving the lock.
     * Closing waits for the stream's own lock, which the link thread holds while it completes
     * futures whose handlers take the send lock: closing under the send lock could deadlock.
     */
    private CheckpointLinks.Channel detachChannel() {
        CheckpointLinks.Channel c = channel;
        channel = null;
        return c;
    }

    private static void closeOutsideLocks(CheckpointLinks.Channel c) {
        if (c != null) {
            c.close();
        }
    }

    /** The backup died: tell the process, then re-create the backup if the policy says so. */
    public void partnerDied(ProcessHandle deadBackup, SystemMessage message) {
        synchronized (deadPartners) {
            // A process dies once: a second report of its death (a notification may arrive twice) is dropped.
            if (deadPartners.contains(deadBackup)) {
                return;
            }
            if (deadPartners.size() == 16) {
                deadPartners.pollFirst();
            }
            deadPartners.addLast(deadBackup);
        }
        // Checkpoints in flight to the dead backup will never be acknowledged (its CPU may be cut
        // off, not closed): they fail now, so their replies leave as NO_BACKUP instead of waiting
        // for the link's stall bound. First without the send lock, which a synchronous
        // checkpoint holds while it waits for that very acknowledgement.
        CheckpointLinks.Channel inFlight = channel;
        if (inFlight != null && deadBackup.equals(partner)) {
            inFlight.abort("the backup " + deadBackup.cpuPin() + " of " + name + " died");
        }
        CheckpointLinks.Channel old = null;
        synchronized (sendLock) {
            synchronized (this) {
                if (role == PairRole.BACKUP) {
                    // The name made this process the primary with deadBackup as its backup (a switch),
                    // and the promotion is still on its way: it arrives after this, and acts on it.
                    earlyBackupDeath = new EarlyDeath(deadBackup, message);
                    return;
                }
            }
            if (deadBackup.equals(partner)) {
                old = detachChannel();
                partner = null;
            }
        }
        closeOutsideLocks(old);
        backupGone(message);
    }

    /** A backup that died before this process's promotion named it. */
    private record EarlyDeath(ProcessHandle backup, SystemMessage message) {
    }

    /** The backup is gone for good: the process is told, and the restart policy may make a new one. */
    private void backupGone(SystemMessage message) {
        system.add(message);
        int code = message instanceof SystemMessage.ProcessDeletion d ? d.termination().completionCode()
                : message instanceof SystemMessage.CpuDown c ? c.termination().completionCode() : -4;
        if (role == PairRole.PRIMARY && !fenced && policy.restartsAfter(code)) {
            if (withinIntensity()) {
                host.scheduler().execute(() -> recreateBackup("its backup died"));
            } else {
                LOG.log(System.Logger.Level.WARNING, "{0}: backup died more than {1} times within {2}: not re-created",
                        name, policy.maxRestarts(), policy.period());
            }
        }
    }

    private synchronized boolean withinIntensity() {
        Instant now = Instant.now();
        while (!restarts.isEmpty() && restarts.peekFirst().isBefore(now.minus(policy.period()))) {
            restarts.pollFirst();
        }
        if (restarts.size() >= policy.maxRestarts()) {
            return false;
        }
        restarts.addLast(now);
        return true;
    }

    /** @param trigger why now: the backup's death, the retry timer, a CPU that came up (logged) */
    private void recreateBackup(String trigger) {
        if (role != PairRole.PRIMARY || fenced || partner != null) {
            return;
        }
        try {
            ProcessHandle backup = spawnAndAttach(SpawnRequest.ANY_CPU);
            retryDelayMillis = 1000;
            LOG.log(System.Logger.Level.INFO, "{0}: backup re-created on CPU {1} ({2})", name, backup.cpu(), trigger);
        } catch (GuardianException e) {
            if (e.guardianError() == GuardianError.DEVICE_DOWN || e.guardianError() == GuardianError.CPU_FAILED) {
                long delay = retryDelayMillis;
                retryDelayMillis = Math.min(30_000, retryDelayMillis * 2);
                LOG.log(System.Logger.Level.INFO, "{0}: no CPU for a backup ({1}); retrying in {2} ms or at CPU up",
                        name, e.getMessage(), delay);
                synchronized (retryLock) {
                    if (retry != null) {
                        retry.cancel(false);
                    }
                    retry = host.scheduler().schedule(() -> recreateBackup("retry timer"), delay, TimeUnit.MILLISECONDS);
                }
            } else {
                LOG.log(System.Logger.Level.WARNING, "{0}: cannot re-create its backup: {1}", name, e.oneLine());
            }
        }
    }

    /** A CPU came up: -3 to the process, and a pending backup re-creation tries at once. */
    public void cpuUp(int cpu) {
        system.add(new SystemMessage.CpuUp(cpu));
        if (role == PairRole.PRIMARY && partner == null && policy.type() != RestartPolicy.Type.TEMPORARY && !fenced) {
            synchronized (retryLock) {
                if (retry != null) {
                    retry.cancel(false);
                }
            }
            host.scheduler().execute(() -> recreateBackup("CPU " + cpu + " came up"));
        }
    }

    /** How long a switch waits for the primary to reach a safe point. */
    public static final Duration SAFE_POINT_BOUND = Duration.ofSeconds(5);

    /**
     * CHECKSWITCH, asked for by the operator or another process: the switch is made by the
     * primary's own program at its next safe point (see {@link #safePoint}), where no request
     * is read and unanswered and no checkpoint of its is half done, so the demoted member's
     * state is exactly the new primary's. Returns once it is made.
     *
     * @throws GuardianException 2 if the pair has no backup ready to take over; 40 if the
     *                           program reached no safe point within {@link #SAFE_POINT_BOUND}
     *                           (nothing changed); 210 if this process is no longer the primary
     */
    public void switchToBackup() {
        CompletableFuture<Long> request;
        synchronized (switchLock) {
            requirePrimary();
            ProcessHandle backup = partner;
            NameEntry entry = host.tables().names().get(name.toString());
            if (backup == null || channel == null || entry == null || !backup.equals(entry.backup())) {
                throw new GuardianException(GuardianError.INVALID_OPERATION, name + " has no backup to switch to");
            }
            if (!entry.ready()) {
                throw new GuardianException(GuardianError.INVALID_OPERATION, name + ": the backup " + backup.cpuPin()
                        + " is still receiving the state and may not become the primary yet");
            }
            if (pendingSwitch == null) {
                pendingSwitch = new CompletableFuture<>();
            }
            request = pendingSwitch;
        }
        wakeReceive.run();
        try {
            try {
                request.get(SAFE_POINT_BOUND.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                synchronized (switchLock) {
                    if (pendingSwitch == request) {
                        pendingSwitch = null;
                        throw new GuardianException(GuardianError.TIMED_OUT, name + ": the primary " + self.cpuPin()
                                + " reached no safe point (a $RECEIVE read with every request answered, or a "
                                + "checkpoint between requests) within " + SAFE_POINT_BOUND.toMillis()
                                + " ms; not switched");
                    }
                }
                // The program took it just now: the switch is under way; its own bounds end it.
                request.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuardianException(GuardianError.TIMED_OUT, "interrupted while waiting for the switch");
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof GuardianException g ? g
                    : new GuardianException(GuardianError.OWNERSHIP_CHANGED, name + ": not switched: " + e.getCause());
        }
    }

    /** True while a switch waits for this primary's safe point. */
    public boolean switchPending() {
        return pendingSwitch != null;
    }

    /**
     * A safe point of the primary's program, called on its own thread by the calls where one
     * is (a $RECEIVE read, a checkpoint) when no request is read and unanswered. A pending
     * switch is made here, and the call that reached it throws 210: the program learns of the
     * switch at once, and goes on as the backup (awaitTakeover).
     */
    public void safePoint() {
        if (pendingSwitch == null || outstanding.getAsInt() > 0) {
            return;
        }
        CompletableFuture<Long> request;
        synchronized (switchLock) {
            request = pendingSwitch;
            pendingSwitch = null;
            if (request == null || request.isDone()) {
                return;
            }
        }
        long newEpoch;
        ProcessHandle backup;
        try {
            backup = partner;
            newEpoch = switchNow();
        } catch (RuntimeException e) {
            request.completeExceptionally(e);
            throw e;
        }
        request.complete(newEpoch);
        throw new GuardianException(GuardianError.OWNERSHIP_CHANGED, name + ": switched (CHECKSWITCH): "
                + backup.cpuPin() + " is the primary at epoch " + newEpoch + " and this process its backup: call "
                + "awaitTakeover");
    }

    /** The switch itself: waits for the checkpoints in flight, swaps the roles in the name table. */
    private long switchNow() {
        ProcessHandle backup;
        long newEpoch;
        CheckpointLinks.Channel switched;
        synchronized (sendLock) {
            requirePrimary();
            backup = partner;
            if (backup == null || channel == null) {
                throw new GuardianException(GuardianError.INVALID_OPERATION, name + " has no backup to switch to");
            }
            try {
                lastSend.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new GuardianException(GuardianError.TIMED_OUT, name + ": checkpoints in flight were not "
                        + "acknowledged; not switched");
            }
            NameUpdates.Result r = NameTableQuorum.write("CPU " + self.cpu(), "the switch of " + name,
                    () -> host.tables().names().update(name.toString(),
                            new NameUpdates.Switch(self, backup, epoch, self.cpu())));
            if (r.outcome() != NameUpdates.Outcome.DONE) {
                throw new GuardianException(GuardianError.OWNERSHIP_CHANGED, name + " changed during the switch, or "
                        + "its backup is not ready: not switched");
            }
            newEpoch = r.after().epoch();
            switched = detachChannel();
            synchronized (this) {
                role = PairRole.BACKUP;
                epoch = newEpoch;
                partner = backup;
                nextSeq = 1;
            }
        }
        closeOutsideLocks(switched);
        // Requests that wait unread are answered 210: their requesters turn to the new primary.
        demoted.run();
        host.router().tell(backup.cpu(), new CpuTask.Promote(backup,
                new Takeover(TakeoverCause.SWITCH, self, null, newEpoch), null, self));
        LOG.log(System.Logger.Level.INFO, "{0}: switched: {1} is primary at epoch {2}, {3} its backup", name,
                backup.cpuPin(), newEpoch, self.cpuPin());
        return newEpoch;
    }

    // ---- backup side --------------------------------------------------------------------

    /** A checkpoint arrived from the primary; the answer decides the acknowledgement. */
    public synchronized Verdict onCheckpoint(long senderEpoch, long seq, byte[] record) {
        if (fenced) {
            // Ending (its CPU is going down): like a backup that is gone, not a newer primary.
            return Verdict.UNKNOWN;
        }
        if (role != PairRole.BACKUP || senderEpoch < epoch) {
            return Verdict.STALE_EPOCH;
        }
        if (senderEpoch > epoch) {
            epoch = senderEpoch;
        }
        if (seq < nextSeq) {
            return Verdict.ACCEPT;
        }
        if (seq > nextSeq) {
            return Verdict.GAP;
        }
        try {
            hold(record);
        } catch (RuntimeException e) {
            // A state transfer that does not verify (or a malformed record): refused, so the
            // primary drops this backup rather than count it as one that may take over.
            incoming = null;
            LOG.log(System.Logger.Level.ERROR, "{0}: backup {1} refused checkpoint {2} of epoch {3}: {4}", name,
                    self.cpuPin(), seq, senderEpoch, e.toString());
            return Verdict.GAP;
        }
        nextSeq++;
        return Verdict.ACCEPT;
    }

    /**
     * Keeps an accepted checkpoint. What the runtime owns is applied at once: the saved replies
     * (a resend after a takeover must find them before the program has applied anything), the
     * key-value state (so the backup's state is current whether or not its program waits in
     * awaitTakeover: a member demoted by a switch may be promoted before it gets there) and a
     * new backup's state transfer. Only the program's own bytes wait, in order, for
     * {@link #awaitTakeover} and its applier.
     */
    private void hold(byte[] record) {
        switch (record[0]) {
            case CheckpointRecord.REPLY -> {
                CheckpointRecord.Reply r = CheckpointRecord.decodeReply(record);
                savedReplies.record(r.openId(), r.syncId(), r.depth(), r.reply());
                if (r.change().length > 0) {
                    hold(r.change());
                }
            }
            case CheckpointRecord.CLOSE_OPEN -> savedReplies.forget(CheckpointRecord.closedOpen(record));
            case CheckpointRecord.PUT -> state.putAll(CheckpointRecord.decodeEntries(record));
            case CheckpointRecord.REMOVE -> CheckpointRecord.decodeEntries(record).keySet().forEach(state::remove);
            case CheckpointRecord.TRANSFER_BEGIN -> incoming = StateTransfer.Incoming.begin(record);
            case CheckpointRecord.TRANSFER_STATE -> transfer().state(record);
            case CheckpointRecord.TRANSFER_REPLIES -> transfer().replies(record);
            case CheckpointRecord.TRANSFER_END -> {
                StateTransfer.Result r = transfer().end(record);
                incoming = null;
                state.clear();
                state.putAll(r.state());
                savedReplies.restore(r.savedReplies(), 0);
                policy = r.policy();
            }
            case CheckpointRecord.POLICY -> policy = CheckpointRecord.decodePolicy(record);
            case CheckpointRecord.USER -> held.add(record);
            default -> throw new IllegalArgumentException("unknown checkpoint record type " + record[0]);
        }
    }

    private StateTransfer.Incoming transfer() {
        if (incoming == null) {
            throw new IllegalArgumentException("a part of a state transfer without its beginning");
        }
        return incoming;
    }

    /**
     * How a checkpoint was received: held; refused because the sender's epoch is over (the
     * sender must stop acting as primary); refused for a gap; or no such backup here.
     */
    public enum Verdict { ACCEPT, STALE_EPOCH, GAP, UNKNOWN }

    /** The name table made this backup the primary: it applies what it holds, then acts as primary. */
    public void promote(Takeover takeover, SystemMessage message, ProcessHandle newBackup) {
        // Under the send lock: no checkpoint or reply of the new primary can be sent before its
        // channel to the new backup (after a switch, the demoted member) exists, or it would be
        // acknowledged without a backup that the name table lists as ready.
        EarlyDeath early;
        synchronized (sendLock) {
            synchronized (this) {
                // A repeat of an earlier promotion (a notification may arrive twice) has an old epoch.
                if (role != PairRole.BACKUP || takeover.epoch() <= epoch) {
                    return;
                }
                early = earlyBackupDeath;
                earlyBackupDeath = null;
                if (early != null && early.backup().equals(newBackup)) {
                    // The member a switch demoted died before this promotion arrived: no channel to it.
                    newBackup = null;
                }
                if (incoming != null) {
                    LOG.log(System.Logger.Level.ERROR, "{0}: {1} promoted in the middle of its state transfer", name,
                            self.cpuPin());
                }
                // Before the takeover is queued: the program may act on it (createBackup) at once.
                partner = newBackup;
                role = PairRole.PRIMARY;
                epoch = takeover.epoch();
                held.add(takeover);
            }
            if (newBackup != null) {
                channel = host.links().open(newBackup.cpu(), newBackup.verifier(), epoch);
                // The demoted member may be promoted again: it must know the pair's restart policy.
                lastSend = channel.send(CheckpointRecord.policy(policy));
            }
        }
        if (message != null) {
            system.add(message);
        }
        LOG.log(System.Logger.Level.INFO, "{0}: {1} took over as primary at epoch {2} ({3})", name, self.cpuPin(),
                takeover.epoch(), takeover.cause());
        if (early != null) {
            backupGone(early.message());
        }
    }

    /** Applies held checkpoints until this process is the primary; see {@link ProcessContext#awaitTakeover}. */
    public Takeover awaitTakeover(Consumer<byte[]> applier) {
        if (role == PairRole.PRIMARY && held.isEmpty()) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "awaitTakeover called by a primary");
        }
        if (role == PairRole.SINGLE) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "awaitTakeover called by a process without a pair");
        }
        while (true) {
            Object item;
            try {
                item = held.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GuardianException(GuardianError.TIMED_OUT, "interrupted while waiting for a takeover");
            }
            if (item instanceof Takeover t) {
                return t;
            }
            if (item == NOTHING) {
                held.add(NOTHING);
                throw new GuardianException(GuardianError.TIMED_OUT, "the process ended while waiting for a takeover");
            }
            apply((byte[]) item, applier);
        }
    }

    private void apply(byte[] record, Consumer<byte[]> applier) {
        switch (record[0]) {
            case CheckpointRecord.USER -> {
                if (applier != null) {
                    applier.accept(CheckpointRecord.userBytes(record));
                }
            }
            default -> LOG.log(System.Logger.Level.ERROR, "{0}: unknown checkpoint record type {1}", name, record[0]);
        }
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
        held.clear();
        held.add(NOTHING);
    }

    /** The key-value state: changes are checkpointed under the send lock, so they reach the backup in order. */
    private final class StateMap implements CheckpointedMap {
        @Override
        public Optional<String> get(String key) {
            return Optional.ofNullable(state.get(key));
        }

        @Override
        public CheckpointResult put(String key, String value) {
            synchronized (state) {
                CheckpointResult r = checkpoint(CheckpointRecord.put(key, value));
                state.put(key, value);
                return r;
            }
        }

        @Override
        public CheckpointResult remove(String key) {
            synchronized (state) {
                CheckpointResult r = checkpoint(CheckpointRecord.remove(key));
                state.remove(key);
                return r;
            }
        }

        @Override
        public Map<String, String> snapshot() {
            return Map.copyOf(state);
        }
    }
}
