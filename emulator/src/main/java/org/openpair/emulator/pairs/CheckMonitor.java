package org.openpair.emulator.pairs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

import org.openpair.emulator.events.Event;
import org.openpair.emulator.events.EventLog;
import org.openpair.emulator.link.DeliveryBatch;
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
    /** Program checkpoints handed to the applier together; see {@link #arriving}. */
    static final int APPLY_BATCH = 256;
    static final long APPLY_BATCH_BYTES = 1 << 20;
    static final long APPLY_LAG_NANOS = 2_000_000;

    private final PairMember member;
    /** Batches of accepted program checkpoints, then the takeover (or NOTHING once the process ended), in order. */
    private final LinkedBlockingQueue<Object> held = new LinkedBlockingQueue<>();
    /**
     * Program checkpoints accepted and not yet handed to the applier. They go to {@link #held}
     * together at the end of a link delivery: at once if the last hand-over was
     * {@link #APPLY_LAG_NANOS} ago or more (a quiet pair's applier keeps up checkpoint by
     * checkpoint), otherwise once {@link #APPLY_BATCH} of them or {@link #APPLY_BATCH_BYTES}
     * wait or that time has passed; and always before a takeover. So a busy pair's applier is
     * woken per batch, not per checkpoint: a woken backup thread was a futex wake-up and a switch
     * (often preempting the link's reader) for every request the pair served. Guarded by the
     * member's monitor.
     */
    private ArrayList<CheckpointRecord.User> arriving = new ArrayList<>();
    private long arrivingBytes;
    /** When checkpoints were last handed to the applier (nanoTime). */
    private long lastHandOver = System.nanoTime() - APPLY_LAG_NANOS;
    private final Runnable handOver = this::handOver;
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
            arriving.add(u);
            arrivingBytes += u.data().length;
            // Once per delivery however many arrive: the batch runs the same wake-up once.
            DeliveryBatch.wakeAfter(handOver);
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
                // Everything accepted goes to the applier before the takeover: awaitTakeover applies all of it first.
                moveArriving();
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
            apply((Batch) item, applier);
        }
    }

    private static void apply(Batch batch, Consumer<byte[]> applier) {
        if (applier != null) {
            for (CheckpointRecord.User record : batch.records()) {
                applier.accept(record.data());
            }
        }
    }

    /** Program checkpoints handed to the applier together, in order. */
    private record Batch(List<CheckpointRecord.User> records) {
    }

    /** The process ended: a waiting (or later) awaitTakeover returns at once. */
    void end() {
        synchronized (member) {
            arriving.clear();
            arrivingBytes = 0;
        }
        held.clear();
        held.add(NOTHING);
    }

    /** A delivery that accepted program checkpoints ended: the applier gets them if a batch is due. */
    private void handOver() {
        synchronized (member) {
            long now = System.nanoTime();
            if (arriving.size() >= APPLY_BATCH || arrivingBytes >= APPLY_BATCH_BYTES
                    || now - lastHandOver >= APPLY_LAG_NANOS) {
                moveArriving();
                lastHandOver = now;
            }
        }
    }

    /** Under the member's monitor. */
    private void moveArriving() {
        if (!arriving.isEmpty()) {
            // One item, so one wake-up at most: added one by one, a taker draining as fast could be woken for each.
            held.add(new Batch(arriving));
            arriving = new ArrayList<>();
            arrivingBytes = 0;
        }
    }
}
