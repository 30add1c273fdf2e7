package org.openpair.emulator.pairs;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.openpair.emulator.names.NameUpdates;
import org.openpair.guardian.CheckpointResult;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.ProcessHandle;

/**
 * The primary's checkpoints to its backup, and what a failed one means. Every send is made
 * under the member's send lock, so checkpoints leave in call order and a switch, which takes
 * the same lock, finds none half sent. A failure is never just logged: a refused epoch
 * fences this primary; a backup that may have missed a checkpoint is marked lagging in the
 * name table (so it can never take over) before the checkpoint counts as done without a
 * backup, and is then stopped.
 */
final class CheckpointSender {
    private static final System.Logger LOG = PairMember.LOG;
    private static final CompletableFuture<CheckpointResult> OK = CompletableFuture.completedFuture(CheckpointResult.OK);
    private static final CompletableFuture<CheckpointResult> NOT_HELD_YET =
            CompletableFuture.completedFuture(CheckpointResult.NO_BACKUP);

    private final PairMember member;

    CheckpointSender(PairMember member) {
        this.member = member;
    }

    /** Error 22 for a record whose payload is past the checkpoint limit. */
    private static void requireWithinLimit(byte[] record) {
        int payload = record.length - CheckpointRecord.USER_HEADER;
        if (payload > ProcessContext.MAX_CHECKPOINT_BYTES) {
            throw new GuardianException(GuardianError.BOUNDS, "checkpoint of " + payload
                    + " bytes exceeds the limit of " + ProcessContext.MAX_CHECKPOINT_BYTES);
        }
    }

    /** Sends a checkpoint; the future completes when the backup holds it. */
    CompletableFuture<CheckpointResult> checkpointAsync(byte[] record) {
        requireWithinLimit(record);
        member.safePoint();
        synchronized (member.sendLock) {
            member.requirePrimary();
            if (member.channel == null) {
                return CompletableFuture.completedFuture(CheckpointResult.NO_BACKUP);
            }
            long start = System.nanoTime();
            CompletableFuture<Long> sent = member.channel.send(record);
            member.lastSend = sent;
            return member.filling ? unawaited(sent, member.partner, start) : outcome(sent, member.partner, start);
        }
    }

    /**
     * A send to a backup still being filled: the caller goes on at once with NO_BACKUP (no member
     * that could take over holds it yet, and this one cannot take over before it holds it), and
     * a failure of the send is still handled as any other's.
     */
    private CompletableFuture<CheckpointResult> unawaited(CompletableFuture<Long> sent, ProcessHandle to, long start) {
        outcome(sent, to, start);
        return NOT_HELD_YET;
    }

    /**
     * A send's outcome for the program: OK once the backup holds it; after a failure, what
     * {@link #onSendFailure} decides, worked out on the pair's own thread, since it writes the
     * name table and must not hold up the link thread that completes the send.
     */
    private CompletableFuture<CheckpointResult> outcome(CompletableFuture<Long> sent, ProcessHandle to, long start) {
        return sent.handle((seq, failure) -> failure == null ? acked(start)
                : CompletableFuture.supplyAsync(() -> onSendFailure(failure, to), member.host.scheduler()))
                .thenCompose(f -> f);
    }

    /** Counts a checkpoint from its send to its acknowledgement, on the link thread that completes it. */
    private CompletableFuture<CheckpointResult> acked(long start) {
        member.host.metrics().checkpointAcked(System.nanoTime() - start);
        return OK;
    }

    /** See {@link PairMember#checkpointReply(long, long, int, byte[], byte[])}. */
    CompletableFuture<CheckpointResult> checkpointReply(long openId, long syncId, int depth, byte[] reply,
                                                        byte[] user) {
        return sendReply(openId, syncId, depth, reply, user.length == 0 ? null : new CheckpointRecord.User(user));
    }

    /** See {@link PairMember#checkpointReply(long, long, int, byte[], Map)}. */
    CompletableFuture<CheckpointResult> checkpointReply(long openId, long syncId, int depth, byte[] reply,
                                                        Map<String, String> changes) {
        // Lock order as in CheckpointedState: state, then the send lock.
        synchronized (member.state) {
            CompletableFuture<CheckpointResult> sent = sendReply(openId, syncId, depth, reply,
                    changes.isEmpty() ? null : new CheckpointRecord.Put(changes));
            member.state.putAll(changes);
            return sent;
        }
    }

    private CompletableFuture<CheckpointResult> sendReply(long openId, long syncId, int depth, byte[] reply,
                                                          CheckpointRecord change) {
        byte[] record = CheckpointRecord.reply(openId, syncId, depth, reply, change);
        int changeBytes = record.length - CheckpointRecord.REPLY_HEADER - reply.length;
        if (reply.length + changeBytes > ProcessContext.MAX_CHECKPOINT_BYTES) {
            throw new GuardianException(GuardianError.BOUNDS, "a reply of " + reply.length + " bytes with a state change of "
                    + changeBytes + " bytes exceeds the limit of " + ProcessContext.MAX_CHECKPOINT_BYTES);
        }
        synchronized (member.sendLock) {
            member.requirePrimary();
            member.savedReplies.record(openId, syncId, depth, reply);
            if (member.channel == null) {
                return CompletableFuture.completedFuture(CheckpointResult.NO_BACKUP);
            }
            long start = System.nanoTime();
            CompletableFuture<Long> sent = member.channel.send(record);
            member.lastSend = sent;
            return member.filling ? unawaited(sent, member.partner, start) : outcome(sent, member.partner, start);
        }
    }

    /** FILE_CLOSE_ reached the server: the open's saved replies go, here and at the backup. */
    void forgetOpen(long openId) {
        synchronized (member.sendLock) {
            member.savedReplies.forget(openId);
            if (member.channel != null && member.role == PairRole.PRIMARY && !member.fenced) {
                member.lastSend = member.channel.send(CheckpointRecord.encode(new CheckpointRecord.CloseOpen(openId)));
            }
        }
    }

    /** See {@link PairMember#checkpoint}. */
    CheckpointResult checkpoint(byte[] record) {
        requireWithinLimit(record);
        member.safePoint();
        CheckpointFailure failure;
        ProcessHandle to;
        synchronized (member.sendLock) {
            member.requirePrimary();
            if (member.channel == null) {
                return CheckpointResult.NO_BACKUP;
            }
            to = member.partner;
            if (member.filling) {
                CompletableFuture<Long> sent = member.channel.send(record);
                member.lastSend = sent;
                unawaited(sent, to, System.nanoTime());
                return CheckpointResult.NO_BACKUP;
            }
            try {
                long start = System.nanoTime();
                member.channel.sendAndAwait(record);
                member.host.metrics().checkpointAcked(System.nanoTime() - start);
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

    /** Waits for sends to {@code to} (a new backup's state transfer) and returns their outcome. */
    CheckpointResult settle(CompletableFuture<?> future, ProcessHandle to) {
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
            member.fenced = true;
            member.host.fence("its backup refused epoch " + member.epoch + ": the pair has moved on");
            throw new GuardianException(GuardianError.OWNERSHIP_CHANGED, member.name + ": this process is no longer the "
                    + "primary (epoch " + member.epoch + " was refused); it is being stopped");
        }
        if (member.fenced) {
            // A fenced primary's channel closes under its sends; its backup may be taking over right now.
            throw new GuardianException(GuardianError.OWNERSHIP_CHANGED, member.name + ": this primary was fenced and is stopping");
        }
        if (to == null || !to.equals(member.partner)) {
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
        // Before the table says so: a lagging backup may no longer take over, so this primary
        // carries the pair alone, and its CPU's lease says so at once.
        member.readyBackup = null;
        member.host.pairCarriageChanged();
        NameUpdates.Result r;
        try {
            r = member.host.tables().names().update(member.name.toString(), new NameUpdates.BackupLags(member.self, lost));
        } catch (RuntimeException e) {
            member.fenced = true;
            member.host.fence("its backup " + lost.cpuPin() + " missed a checkpoint and the name table could not be told: " + e);
            throw new GuardianException(GuardianError.OWNERSHIP_CHANGED, member.name + ": the backup missed a checkpoint and "
                    + "could not be marked lagging in the name table; this primary is being stopped");
        }
        if (r.outcome() == NameUpdates.Outcome.NOT_HELD) {
            member.fenced = true;
            member.host.fence("the name no longer names it as primary");
            throw new GuardianException(GuardianError.OWNERSHIP_CHANGED, member.name + ": this process is no longer the "
                    + "primary; it is being stopped");
        }
    }

    private void dropBackup(String why) {
        ProcessHandle lost;
        CheckpointLinks.Channel old;
        synchronized (member.sendLock) {
            lost = member.partner;
            old = member.detachChannel();
            member.partner = null;
        }
        PairMember.closeOutsideLocks(old);
        // Never from a fenced primary: its partner may be the new primary by now.
        if (lost != null && member.role == PairRole.PRIMARY && !member.fenced) {
            LOG.log(System.Logger.Level.WARNING, "{0}: dropping backup {1}: {2}", member.name, lost.cpuPin(), why);
            member.host.scheduler().execute(() -> {
                try {
                    member.host.guardian().processStop(lost);
                } catch (GuardianException e) {
                    LOG.log(System.Logger.Level.DEBUG, "{0}: backup {1} already gone: {2}", member.name, lost.cpuPin(), e.getMessage());
                }
            });
        }
    }
}
