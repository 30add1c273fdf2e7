package org.openpair.emulator.messages;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.openpair.emulator.link.ReplyPath;
import org.openpair.guardian.CheckpointResult;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ReceiveInfo;
import org.openpair.guardian.ReceivedRequest;

/**
 * A request on its way through a server: queued, read, replied. Its reply leaves only after
 * the backup holds it (with the state change it carries); every path a resend of it arrived on
 * gets the same reply.
 */
final class PendingRequest implements ReceivedRequest {
    private static final byte[] NOTHING = new byte[0];

    private final ReceiveQueue receive;
    private final byte[] data;
    private final ReceiveInfo info;
    final long openId;
    final long syncId;
    /** When its requester gives up (wall-clock ms, 0 never): after that it is refused, not executed. */
    final long deadline;
    /** When it arrived at $RECEIVE (nanoTime): the start of the server's side of its WRITEREAD. */
    private final long arrived = System.nanoTime();
    private final ReplyPaths paths;
    private final AtomicBoolean replied = new AtomicBoolean();

    PendingRequest(ReceiveQueue receive, MessageFormat.Request r, long openId, long syncId, ReplyPath path) {
        this.receive = receive;
        this.data = r.data();
        this.info = new ReceiveInfo(r.opener(), openId, syncId, r.syncDepth());
        this.openId = openId;
        this.syncId = syncId;
        this.deadline = r.deadline();
        this.paths = new ReplyPaths(path);
    }

    /**
     * A resend of this request arrived on {@code path}.
     *
     * @return null if its answer goes that way too when given; the answer if it left already,
     *         for the caller to send on {@code path}
     */
    java.nio.ByteBuffer alsoReplyTo(ReplyPath path) {
        return paths.add(path);
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    @Override
    public ReceiveInfo info() {
        return info;
    }

    @Override
    public CompletableFuture<CheckpointResult> reply(byte[] reply) {
        return reply(reply, NOTHING);
    }

    @Override
    public CompletableFuture<CheckpointResult> reply(byte[] reply, byte[] checkpoint) {
        byte[] change = checkpoint.clone();
        byte[] owned = reply.clone();
        return reply(owned, () -> receive.pair().checkpointReply(openId, syncId, info.syncDepth(), owned, change));
    }

    @Override
    public CompletableFuture<CheckpointResult> reply(byte[] reply, java.util.Map<String, String> stateChanges) {
        java.util.Map<String, String> changes = java.util.Map.copyOf(stateChanges);
        byte[] owned = reply.clone();
        return reply(owned, () -> receive.pair().checkpointReply(openId, syncId, info.syncDepth(), owned, changes));
    }

    /**
     * @param reply the reply's bytes, owned here: the program's array is copied once by the
     *              caller, since reply() returns before the backup holds the reply and the
     *              program may reuse its array at once, while what leaves (later, on a link
     *              thread) must be the bytes the backup saved.
     */
    private CompletableFuture<CheckpointResult> reply(byte[] reply,
                                                      java.util.function.Supplier<CompletableFuture<CheckpointResult>> checkpoint) {
        if (reply.length > ProcessFile.MAX_MESSAGE_BYTES) {
            throw new GuardianException(GuardianError.BOUNDS, "reply of " + reply.length + " bytes exceeds the limit of "
                    + ProcessFile.MAX_MESSAGE_BYTES);
        }
        if (!replied.compareAndSet(false, true)) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "sync ID " + syncId + " of open " + openId
                    + " was already replied to");
        }
        CompletableFuture<CheckpointResult> sent;
        try {
            sent = checkpoint.get();
        } catch (GuardianException e) {
            if (e.guardianError() == GuardianError.BOUNDS) {
                replied.set(false);
                throw e;
            }
            receive.replying();
            fail(e.guardianError(), e.getMessage());
            throw e;
        }
        receive.replying();
        return sent.handle((result, failure) -> {
            if (failure == null && !receive.pair().leaseHeld()) {
                // The backup holds it, but this CPU may be being taken over: the requester asks again,
                // and whichever member is primary then answers from the saved replies.
                fail(GuardianError.OWNERSHIP_CHANGED, receive.self().cpuPin() + "'s CPU lost its lease before the "
                        + "reply left");
                return result;
            }
            if (failure == null) {
                send(MessageFormat.ok(reply));
                receive.pair().metrics().replyWritten(System.nanoTime() - arrived);
                receive.done(this);
                return result;
            }
            Throwable cause = failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
            // Fenced before the backup held it: the reply must not leave; the requester turns to the new primary.
            fail(GuardianError.OWNERSHIP_CHANGED, receive.self().cpuPin() + " lost the primary role before its reply "
                    + "was checkpointed: " + cause.getMessage());
            throw cause instanceof RuntimeException re ? re : new CompletionException(cause);
        });
    }

    /** Answers with an error instead (the server ended or was fenced). */
    void fail(GuardianError error, String message) {
        send(MessageFormat.error(error, message));
        receive.done(this);
    }

    private void send(java.nio.ByteBuffer payload) {
        long epoch = receive.pair().epoch();
        for (ReplyPath path : paths.answer(payload)) {
            path.reply(openId, syncId, epoch, payload.duplicate());
        }
    }
}
