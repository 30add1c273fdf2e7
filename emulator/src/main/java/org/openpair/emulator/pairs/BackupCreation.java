package org.openpair.emulator.pairs;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.openpair.emulator.events.Event;
import org.openpair.emulator.events.EventLog;
import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.names.NameUpdates;
import org.openpair.guardian.CheckpointResult;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.RestartPolicy;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.SystemMessage;

/**
 * The primary's backup from creation to re-creation: createBackup spawns it and hands it the
 * whole checkpointed state (it may take over only once it holds it); its death is taken in
 * once, even when reported twice or before the promotion that names it; and the pair's
 * restart policy decides whether a new one is made, within the policy's intensity, retrying
 * on a timer while no CPU can take it and at once when a CPU comes up.
 */
final class BackupCreation {
    private static final System.Logger LOG = PairMember.LOG;

    private final PairMember member;
    /** The pair's restart policy: set by createBackup, or received as the backup. */
    private volatile RestartPolicy policy = RestartPolicy.TEMPORARY;
    private final Deque<Instant> restarts = new ArrayDeque<>();
    private final Deque<ProcessHandle> deadPartners = new ArrayDeque<>();
    private long retryDelayMillis = 1000;
    /** The pending timer retry of a backup re-creation: at most one. */
    private ScheduledFuture<?> retry;
    private final Object retryLock = new Object();
    /** A backup's death reported before the promotion that names it arrived; guarded by the send lock. */
    private EarlyDeath earlyBackupDeath;
    /**
     * The class path of the backups this primary creates from now on, null for its own: an
     * upgrade's new version, which a backup created by the restart policy gets too.
     */
    private volatile List<String> backupClassPath;
    /** The backup an upgrade stops on purpose: its death re-creates nothing, the upgrade does. */
    private volatile ProcessHandle replacing;
    private final Object replaceLock = new Object();

    BackupCreation(PairMember member) {
        this.member = member;
    }

    RestartPolicy policy() {
        return policy;
    }

    /** The policy as the primary checkpointed it (this member is the backup). */
    void policy(RestartPolicy received) {
        this.policy = received;
    }

    /** See {@link PairMember#createBackup}. */
    ProcessHandle createBackup(int cpu, RestartPolicy restartPolicy) {
        if (member.name == null) {
            throw new GuardianException(GuardianError.BOUNDS, "process " + member.self.cpuPin()
                    + " is unnamed: only a named process can create its backup");
        }
        if (member.role == PairRole.BACKUP) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "a backup cannot create a backup");
        }
        this.policy = restartPolicy;
        ProcessHandle current = member.partner;
        if (current != null) {
            // Before any spawn: a second backup would only be refused by the name table after it started.
            throw new GuardianException(GuardianError.IN_USE, member.name + " already has a backup: " + current.cpuPin());
        }
        return spawnAndAttach(cpu);
    }

    private ProcessHandle spawnAndAttach(int cpu) {
        var host = member.host;
        var name = member.name;
        ProcessHandle backup = host.guardian().processSpawn(host.backupRequest(backupClassPath).myBackup().cpu(cpu)
                .build());
        NameEntry entry = host.tables().names().get(name.toString());
        // Lock order as in CheckpointedState: state, then the send lock, so no change slips between the snapshot and the channel.
        CheckpointLinks.Channel old;
        List<CompletableFuture<Long>> transfer = new ArrayList<>();
        long entries;
        long started = System.nanoTime();
        synchronized (member.state) {
        synchronized (member.sendLock) {
            if (entry == null || !backup.equals(entry.backup()) || !member.self.equals(entry.primary())) {
                throw new GuardianException(GuardianError.OWNERSHIP_CHANGED, "the backup " + backup.cpuPin()
                        + " of " + name + " was lost while it was being created");
            }
            old = member.detachChannel();
            member.partner = backup;
            member.paired = true;
            member.epoch = entry.epoch();
            member.role = PairRole.PRIMARY;
            member.channel = host.links().open(backup.cpu(), backup.verifier(), member.epoch);
            member.filling = true;
            // The new backup starts from the whole checkpointed state, in chunks the link carries,
            // verified at the backup's end; every chunk's acknowledgement is checked below.
            entries = member.state.size();
            var records = StateTransfer.records(member.state.snapshot(), member.savedReplies.snapshot(), policy);
            while (records.hasNext()) {
                transfer.add(member.channel.send(records.next()));
            }
            member.lastSend = transfer.get(transfer.size() - 1);
        }
        }
        PairMember.closeOutsideLocks(old);
        CheckpointResult first = member.sender.settle(CompletableFuture.allOf(transfer.toArray(CompletableFuture[]::new)), backup);
        if (first == CheckpointResult.OK) {
            // What was sent while it was filled (replies that left at once among it) did not wait
            // for it: it holds that too before it may take over. From here every send waits.
            CompletableFuture<?> sentWhileFilling;
            synchronized (member.sendLock) {
                member.filling = false;
                sentWhileFilling = member.lastSend;
            }
            first = member.sender.settle(sentWhileFilling, backup);
        }
        if (first == CheckpointResult.OK) {
            // Only now may the backup take over: it holds everything the primary was told was safe.
            NameUpdates.Result r = host.tables().names().update(name.toString(),
                    new NameUpdates.BackupReady(member.self, backup));
            if (r.outcome() != NameUpdates.Outcome.DONE) {
                LOG.log(System.Logger.Level.WARNING, "{0}: backup {1} holds the state but the name no longer "
                        + "lists it with this primary ({2})", name, backup.cpuPin(), r.outcome());
            } else {
                member.readyBackup = backup;
                // Before the creator goes on: a freeze of this CPU right after would otherwise find
                // the others still holding it for one that carries the pair alone, and left to the
                // heartbeat (bench takeover froze it so, a few ms after the backup was ready).
                try {
                    host.pairCarriageChanged().get(PairMember.CARRIAGE_RENEWAL_BOUND.toMillis(), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                    // Not granted in time (a partition, a loaded machine): the lease's beat carries it.
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        LOG.log(System.Logger.Level.INFO, "{0}: backup {1} created at epoch {2} (state {3}: {4} entries in {5} "
                + "records, {6} ms)", name, backup.cpuPin(), member.epoch, first, entries, transfer.size(),
                (System.nanoTime() - started) / 1_000_000);
        return backup;
    }

    /** See {@link PairMember#replaceBackup}. */
    ProcessHandle replaceBackup(List<String> classPath) {
        synchronized (replaceLock) {
            member.requirePrimary();
            if (member.name == null) {
                throw new GuardianException(GuardianError.INVALID_OPERATION, "process " + member.self.cpuPin()
                        + " is unnamed: it has no backup to replace");
            }
            List<String> before = backupClassPath;
            ProcessHandle old = member.partner;
            int cpu = old == null ? SpawnRequest.ANY_CPU : old.cpu();
            backupClassPath = classPath == null ? null : List.copyOf(classPath);
            if (old != null) {
                replacing = old;
                try {
                    member.host.guardian().processStop(old);
                } catch (GuardianException e) {
                    if (e.guardianError() != GuardianError.NO_SUCH_DEVICE) {
                        // Still the backup, as far as this primary knows: its death is an ordinary one again.
                        backupClassPath = before;
                        replacing = null;
                        throw e;
                    }
                    // Gone already: its successor is made all the same.
                }
                CheckpointLinks.Channel channel = null;
                synchronized (member.sendLock) {
                    if (old.equals(member.partner)) {
                        channel = member.detachChannel();
                        member.partner = null;
                    }
                }
                PairMember.closeOutsideLocks(channel);
            }
            if (member.partner != null) {
                // The restart policy made one between the death and here, from the new class path.
                return member.partner;
            }
            try {
                ProcessHandle successor = spawnAndAttach(cpu);
                EventLog.emit(member.self.node(), member.self.cpu(),
                        new Event.Upgrade(member.name.toString(), old, successor,
                                String.join(":", classPath == null ? member.classPath() : classPath)));
                return successor;
            } catch (GuardianException e) {
                // The new version does not start: the pair goes on with a backup of the code it had.
                backupClassPath = before;
                try {
                    ProcessHandle restored = spawnAndAttach(cpu);
                    LOG.log(System.Logger.Level.WARNING, "{0}: the new backup did not start ({1}); {2} made from "
                            + "the old class path", member.name, e.oneLine(), restored.cpuPin());
                } catch (GuardianException again) {
                    e.addSuppressed(again);
                }
                throw e;
            }
        }
    }

    /** See {@link PairMember#partnerDied}. */
    void partnerDied(ProcessHandle deadBackup, SystemMessage message) {
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
        if (deadBackup.equals(replacing)) {
            // Stopped by an upgrade, which detaches it and makes its successor itself.
            member.post(message);
            return;
        }
        // Checkpoints in flight to the dead backup will never be acknowledged (its CPU may be cut
        // off, not closed): they fail now, so their replies leave as NO_BACKUP instead of waiting
        // for the link's stall bound. First without the send lock, which a synchronous
        // checkpoint holds while it waits for that very acknowledgement.
        CheckpointLinks.Channel inFlight = member.channel;
        if (inFlight != null && deadBackup.equals(member.partner)) {
            inFlight.abort("the backup " + deadBackup.cpuPin() + " of " + member.name + " died");
        }
        CheckpointLinks.Channel old = null;
        synchronized (member.sendLock) {
            synchronized (member) {
                if (member.role == PairRole.BACKUP) {
                    // The name made this process the primary with deadBackup as its backup (a switch),
                    // and the promotion is still on its way: it arrives after this, and acts on it.
                    earlyBackupDeath = new EarlyDeath(deadBackup, message);
                    return;
                }
            }
            if (deadBackup.equals(member.partner)) {
                old = member.detachChannel();
                member.partner = null;
            }
        }
        PairMember.closeOutsideLocks(old);
        if (old != null) {
            // It carries the pair alone now: the others should not take its CPU over on a pause.
            member.host.pairCarriageChanged();
        }
        backupGone(message);
    }

    /** A backup that died before this process's promotion named it. */
    record EarlyDeath(ProcessHandle backup, SystemMessage message) {
    }

    /** The death {@link #partnerDied} kept for the promotion, taken once; under the send lock and the member's monitor. */
    EarlyDeath takeEarlyDeath() {
        EarlyDeath early = earlyBackupDeath;
        earlyBackupDeath = null;
        return early;
    }

    /** The backup is gone for good: the process is told, and the restart policy may make a new one. */
    void backupGone(SystemMessage message) {
        member.post(message);
        int code = message instanceof SystemMessage.ProcessDeletion d ? d.termination().completionCode()
                : message instanceof SystemMessage.CpuDown c ? c.termination().completionCode() : -4;
        if (member.role == PairRole.PRIMARY && !member.fenced && policy.restartsAfter(code)) {
            if (withinIntensity()) {
                member.host.scheduler().execute(() -> recreateBackup("its backup died"));
            } else {
                LOG.log(System.Logger.Level.WARNING, "{0}: backup died more than {1} times within {2}: not re-created",
                        member.name, policy.maxRestarts(), policy.period());
            }
        }
    }

    /** Guarded by this object's monitor, which guards nothing else: the restarts are only counted here. */
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
        if (member.role != PairRole.PRIMARY || member.fenced || member.partner != null) {
            return;
        }
        try {
            ProcessHandle backup = spawnAndAttach(SpawnRequest.ANY_CPU);
            retryDelayMillis = 1000;
            LOG.log(System.Logger.Level.INFO, "{0}: backup re-created on CPU {1} ({2})", member.name, backup.cpu(), trigger);
        } catch (GuardianException e) {
            if (e.guardianError() == GuardianError.DEVICE_DOWN || e.guardianError() == GuardianError.CPU_FAILED) {
                long delay = retryDelayMillis;
                retryDelayMillis = Math.min(30_000, retryDelayMillis * 2);
                LOG.log(System.Logger.Level.INFO, "{0}: no CPU for a backup ({1}); retrying in {2} ms or at CPU up",
                        member.name, e.getMessage(), delay);
                synchronized (retryLock) {
                    if (retry != null) {
                        retry.cancel(false);
                    }
                    retry = member.host.scheduler().schedule(() -> recreateBackup("retry timer"), delay, TimeUnit.MILLISECONDS);
                }
            } else {
                LOG.log(System.Logger.Level.WARNING, "{0}: cannot re-create its backup: {1}", member.name, e.oneLine());
            }
        }
    }

    /** See {@link PairMember#cpuUp}. */
    void cpuUp(int cpu) {
        member.post(new SystemMessage.CpuUp(cpu));
        if (member.role == PairRole.PRIMARY && member.partner == null && policy.type() != RestartPolicy.Type.TEMPORARY
                && !member.fenced) {
            synchronized (retryLock) {
                if (retry != null) {
                    retry.cancel(false);
                }
            }
            member.host.scheduler().execute(() -> recreateBackup("CPU " + cpu + " came up"));
        }
    }
}
