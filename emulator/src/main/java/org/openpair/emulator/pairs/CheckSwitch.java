package org.openpair.emulator.pairs;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.openpair.emulator.events.Event;
import org.openpair.emulator.events.EventLog;
import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.names.NameTableQuorum;
import org.openpair.emulator.names.NameUpdates;
import org.openpair.emulator.node.CpuTask;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.Takeover;
import org.openpair.guardian.TakeoverCause;

/**
 * CHECKSWITCH: a switch is asked for on any thread, but made only by the primary's own
 * program at its next safe point (no request read and unanswered, no checkpoint half done),
 * so the demoted member's state is exactly the new primary's. The switch lock guards the one
 * pending request between the asker and the program; the swap itself takes the send lock and
 * waits for the checkpoints in flight before the name table changes.
 *
 * <p>The program sends the promotion on its way and goes on as the backup; the asker returns
 * only once the new primary acts as one. Until its promotion arrives, the new primary is a
 * backup to itself while the name table already lists it as the primary, and refuses what
 * only a primary does with 210: an asker that returned on the name table's word (an upgrade
 * whose next step is the new primary's) met that refusal when the promotion was late.
 */
final class CheckSwitch {
    private static final System.Logger LOG = PairMember.LOG;

    private final PairMember member;
    /** A switch waiting for this primary's next safe point, done with the promotion it sent; see {@link #safePoint}. */
    private volatile CompletableFuture<CpuTask.Promote> pendingSwitch;
    private final Object switchLock = new Object();

    CheckSwitch(PairMember member) {
        this.member = member;
    }

    /** See {@link PairMember#switchToBackup}. */
    void switchToBackup() {
        var name = member.name;
        CompletableFuture<CpuTask.Promote> request;
        synchronized (switchLock) {
            member.requirePrimary();
            ProcessHandle backup = member.partner;
            NameEntry entry = member.host.tables().names().get(name.toString());
            if (backup == null || member.channel == null || entry == null || !backup.equals(entry.backup())) {
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
        member.wakeReceive.run();
        CpuTask.Promote promotion;
        try {
            try {
                promotion = request.get(PairMember.SAFE_POINT_BOUND.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                synchronized (switchLock) {
                    if (pendingSwitch == request) {
                        pendingSwitch = null;
                        throw new GuardianException(GuardianError.TIMED_OUT, name + ": the primary " + member.self.cpuPin()
                                + " reached no safe point (a $RECEIVE read with every request answered, or a "
                                + "checkpoint between requests) within " + PairMember.SAFE_POINT_BOUND.toMillis()
                                + " ms; not switched");
                    }
                }
                // The program took it just now: the switch is under way; its own bounds end it.
                promotion = request.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuardianException(GuardianError.TIMED_OUT, "interrupted while waiting for the switch");
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof GuardianException g ? g
                    : new GuardianException(GuardianError.OWNERSHIP_CHANGED, name + ": not switched: " + e.getCause());
        }
        awaitPromotion(promotion);
    }

    /**
     * The promotion the program sent on its way, delivered once more as a call, which returns
     * when the new primary has taken it (or had already: a repeat changes nothing).
     */
    private void awaitPromotion(CpuTask.Promote promotion) {
        ProcessHandle promoted = promotion.backup();
        try {
            member.host.router().call(promoted.cpu(), promotion);
        } catch (GuardianException e) {
            throw new GuardianException(e.guardianError(), member.name + ": switched (" + promoted.cpuPin()
                    + " is the primary at epoch " + promotion.takeover().epoch() + "), but its CPU did not confirm "
                    + "the takeover: " + e.getMessage());
        }
    }

    /** True while a switch waits for this primary's safe point. */
    boolean pending() {
        return pendingSwitch != null;
    }

    /** See {@link PairMember#safePoint}. */
    void safePoint() {
        if (pendingSwitch == null || member.outstanding.getAsInt() > 0) {
            return;
        }
        CompletableFuture<CpuTask.Promote> request;
        synchronized (switchLock) {
            request = pendingSwitch;
            pendingSwitch = null;
            if (request == null || request.isDone()) {
                return;
            }
        }
        CpuTask.Promote promotion;
        try {
            promotion = switchNow();
        } catch (RuntimeException e) {
            request.completeExceptionally(e);
            throw e;
        }
        request.complete(promotion);
        throw new GuardianException(GuardianError.OWNERSHIP_CHANGED, member.name + ": switched (CHECKSWITCH): "
                + promotion.backup().cpuPin() + " is the primary at epoch " + promotion.takeover().epoch()
                + " and this process its backup: call awaitTakeover");
    }

    /**
     * The switch itself: waits for the checkpoints in flight, swaps the roles in the name table,
     * sends the promotion on its way and returns it.
     */
    private CpuTask.Promote switchNow() {
        var name = member.name;
        var self = member.self;
        ProcessHandle backup;
        long newEpoch;
        CheckpointLinks.Channel switched;
        synchronized (member.sendLock) {
            member.requirePrimary();
            backup = member.partner;
            if (backup == null || member.channel == null) {
                throw new GuardianException(GuardianError.INVALID_OPERATION, name + " has no backup to switch to");
            }
            try {
                member.lastSend.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new GuardianException(GuardianError.TIMED_OUT, name + ": checkpoints in flight were not "
                        + "acknowledged; not switched");
            }
            NameUpdates.Result r = NameTableQuorum.write("CPU " + self.cpu(), "the switch of " + name,
                    () -> member.host.tables().names().update(name.toString(),
                            new NameUpdates.Switch(self, backup, member.epoch, self.cpu())));
            if (r.outcome() != NameUpdates.Outcome.DONE) {
                throw new GuardianException(GuardianError.OWNERSHIP_CHANGED, name + " changed during the switch, or "
                        + "its backup is not ready: not switched");
            }
            newEpoch = r.after().epoch();
            switched = member.detachChannel();
            synchronized (member) {
                member.role = PairRole.BACKUP;
                member.epoch = newEpoch;
                member.partner = backup;
                member.nextSeq = 1;
            }
        }
        PairMember.closeOutsideLocks(switched);
        member.host.tables().nameLookups().newerEpoch(name.toString(), newEpoch);
        // Requests that wait unread are answered 210: their requesters turn to the new primary.
        member.demoted.run();
        // Told, not called: the program goes on as the backup at once; the asker waits for it.
        CpuTask.Promote promotion = new CpuTask.Promote(backup,
                new Takeover(TakeoverCause.SWITCH, self, null, newEpoch), null, self);
        member.host.router().tell(backup.cpu(), promotion);
        LOG.log(System.Logger.Level.INFO, "{0}: switched: {1} is primary at epoch {2}, {3} its backup", name,
                backup.cpuPin(), newEpoch, self.cpuPin());
        EventLog.emit(self.node(), self.cpu(), new Event.Switch(name.toString(), self, backup, newEpoch));
        return promotion;
    }
}
