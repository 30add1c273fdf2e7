package org.openpair.emulator.pairs;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

import org.openpair.emulator.events.Event;
import org.openpair.emulator.events.EventLog;
import org.openpair.emulator.link.Verdict;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.SystemMessage;
import org.openpair.guardian.Takeover;

/**
 * The backup's side, NonStop's CHECKMONITOR: it accepts checkpoints in sequence for its
 * epoch, holds them (including a new backup's state transfer) and, when the name table
 * promotes it, queues the takeover after every checkpoint it accepted, so that
 * {@link #awaitTakeover} applies all that the primary was told was safe before it returns.
 * Acceptance (epoch, sequence) and promotion (role, epoch, partner) change the member under
 * its monitor; promotion takes the send lock first, so the new primary sends nothing before
 * its channel to the new backup exists.
 */
final class CheckMonitor {
    private static final System.Logger LOG = PairMember.LOG;
    private static final Object NOTHING = new Object();

    private final PairMember member;
    /** Accepted program checkpoints, then the takeover (or NOTHING once the process ended), in order. */
    private final LinkedBlockingQueue<Object> held = new LinkedBlockingQueue<>();
    /** A new backup's state transfer being received; guarded by the member's monitor. */
    private StateTransfer.Incoming incoming;

    CheckMonitor(PairMember member) {
        this.member = member;
    }

    /** See {@link PairMember#onCheckpoint}. */
    Verdict onCheckpoint(long senderEpoch, long seq, byte[] record) {
        synchronized (member) {
            if (member.fenced) {
                // Ending (its CPU is going down): like a backup that is gone, not a newer primary.
                return Verdict.UNKNOWN_STREAM;
            }
            if (member.role != PairRole.BACKUP || senderEpoch < member.epoch) {
                return Verdict.STALE_EPOCH;
            }
            if (senderEpoch > member.epoch) {
                member.epoch = senderEpoch;
            }
            if (seq < member.nextSeq) {
                return Verdict.ACCEPT;
            }
            if (seq > member.nextSeq) {
                return Verdict.GAP;
            }
            try {
                hold(record);
            } catch (RuntimeException e) {
                // A state transfer that does not verify (or a malformed record): refused, so the
                // primary drops this backup rather than count it as one that may take over.
                incoming = null;
                LOG.log(System.Logger.Level.ERROR, "{0}: backup {1} refused checkpoint {2} of epoch {3}: {4}",
                        member.name, member.self.cpuPin(), seq, senderEpoch, e.toString());
                return Verdict.GAP;
            }
            member.nextSeq++;
            return Verdict.ACCEPT;
        }
    }

    /**
     * Keeps an accepted checkpoint. What the runtime owns is applied at once: the saved replies
     * (a resend after a takeover must find them before the program has applied anything), the
     * key-value state (so the backup's state is current whether or not its program waits in
     * awaitTakeover: a member demoted by a switch may be promoted before it gets there) and a
     * new backup's state transfer. Only the program's own bytes wait, in order, for
     * {@link #awaitTakeover} and its applier.
     */
    private void hold(byte[] bytes) {
        hold(CheckpointRecord.decode(bytes));
    }

    private void hold(CheckpointRecord record) {
        // An if-chain: Java 17 has no pattern switch; the union's codec has already refused any
        // kind not listed, so the last branch is the only one left.
        if (record instanceof CheckpointRecord.Reply r) {
            member.savedReplies.record(r.openId(), r.syncId(), r.depth(), r.reply());
            if (r.change() != null) {
                hold(r.change());
            }
        } else if (record instanceof CheckpointRecord.User u) {
            held.add(u);
        } else if (record instanceof CheckpointRecord.Put p) {
            member.state.putAll(p.entries());
        } else if (record instanceof CheckpointRecord.Remove r) {
            member.state.removeAll(r.keys());
        } else if (record instanceof CheckpointRecord.CloseOpen c) {
            member.savedReplies.forget(c.openId());
        } else if (record instanceof CheckpointRecord.Policy p) {
            member.backups.policy(p.policy());
        } else if (record instanceof CheckpointRecord.TransferBegin b) {
            incoming = StateTransfer.Incoming.begin(b);
        } else if (record instanceof CheckpointRecord.TransferState t) {
            transfer().state(t);
        } else if (record instanceof CheckpointRecord.TransferReplies t) {
            transfer().replies(t);
        } else {
            StateTransfer.Result r = transfer().end((CheckpointRecord.TransferEnd) record);
            incoming = null;
            member.state.replace(r.state());
            member.savedReplies.restore(r.savedReplies());
            member.backups.policy(r.policy());
        }
    }

    private StateTransfer.Incoming transfer() {
        if (incoming == null) {
            throw new IllegalArgumentException("a part of a state transfer without its beginning");
        }
        return incoming;
    }

    /** See {@link PairMember#promote}. */
    void promote(Takeover takeover, SystemMessage message, ProcessHandle newBackup) {
        // Under the send lock: no checkpoint or reply of the new primary can be sent before its
        // channel to the new backup (after a switch, the demoted member) exists, or it would be
        // acknowledged without a backup that the name table lists as ready.
        BackupCreation.EarlyDeath early;
        synchronized (member.sendLock) {
            synchronized (member) {
                // A repeat of an earlier promotion (a notification may arrive twice) has an old epoch.
                if (member.role != PairRole.BACKUP || takeover.epoch() <= member.epoch) {
                    return;
                }
                early = member.backups.takeEarlyDeath();
                if (early != null && early.backup().equals(newBackup)) {
                    // The member a switch demoted died before this promotion arrived: no channel to it.
                    newBackup = null;
                }
                if (incoming != null) {
                    LOG.log(System.Logger.Level.ERROR, "{0}: {1} promoted in the middle of its state transfer",
                            member.name, member.self.cpuPin());
                }
                // Before the takeover is queued: the program may act on it (createBackup) at once.
                member.partner = newBackup;
                // Only a switch names a new backup here: the demoted primary, which the switch
                // listed ready since it holds everything it checkpointed.
                member.readyBackup = newBackup;
                member.role = PairRole.PRIMARY;
                member.epoch = takeover.epoch();
                held.add(takeover);
            }
            if (newBackup != null) {
                member.channel = member.host.links().open(newBackup.cpu(), newBackup.verifier(), member.epoch);
                // The demoted member may be promoted again: it must know the pair's restart policy.
                member.lastSend = member.channel.send(
                        CheckpointRecord.encode(new CheckpointRecord.Policy(member.backups.policy())));
            }
        }
        if (newBackup == null) {
            // Promoted after its primary's death: it carries the pair alone until a new backup is ready.
            member.host.pairCarriageChanged();
        }
        if (message != null) {
            member.post(message);
        }
        member.host.tables().nameLookups().newerEpoch(String.valueOf(member.name), takeover.epoch());
        // Counted where the backup became the primary, once: a repeated promotion returned above.
        member.host.metrics().takeover(takeover);
        LOG.log(System.Logger.Level.INFO, "{0}: {1} took over as primary at epoch {2} ({3})", member.name,
                member.self.cpuPin(), takeover.epoch(), takeover.cause());
        EventLog.emit(member.self.node(), member.self.cpu(),
                Event.Takeover.of(String.valueOf(member.name), takeover, member.self));
        if (early != null) {
            member.backups.backupGone(early.message());
        }
    }

    /** See {@link PairMember#awaitTakeover}. */
    Takeover awaitTakeover(Consumer<byte[]> applier) {
        if (member.role == PairRole.PRIMARY && held.isEmpty()) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "awaitTakeover called by a primary");
        }
        if (member.role == PairRole.SINGLE) {
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
            apply((CheckpointRecord.User) item, applier);
        }
    }

    private static void apply(CheckpointRecord.User record, Consumer<byte[]> applier) {
        if (applier != null) {
            applier.accept(record.data());
        }
    }

    /** The process ended: a waiting (or later) awaitTakeover returns at once. */
    void end() {
        held.clear();
        held.add(NOTHING);
    }
}
