package org.openpair.emulator.messages;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import org.openpair.emulator.link.LinkReply;

/**
 * One nowait WRITEREAD ({@link ProcessOpen#writeReadNowait}) on its way. Its first attempt
 * waits on no thread: the link thread that reads the reply judges it and, when it is the
 * answer, completes the caller's future. Everything else (a path down, a refusal, a reply
 * that is late enough for the name table to be asked) goes to {@link NowaitWatch}'s threads,
 * which carry on in {@link ProcessOpen#resume}, the loop a waiting {@code writeRead} runs:
 * the resend rules are one piece of code for both.
 */
final class NowaitWriteRead {
    private final ProcessOpen open;
    private final long syncId;
    private final byte[] data;
    private final long deadline;
    private final Runnable releaseSlot;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    /** The open's slot is given back once, when the request has ended: answered, failed or timed out. */
    private final AtomicBoolean slotReleased = new AtomicBoolean();
    /** Taken by whichever comes first for the first attempt: its reply, or the watch. */
    private final AtomicBoolean firstAttemptTaken = new AtomicBoolean();
    private volatile ProcessOpen.Binding binding;
    private volatile ProcessOpen.Sent sent;

    NowaitWriteRead(ProcessOpen open, long syncId, byte[] data, long deadline, Runnable releaseSlot) {
        this.open = open;
        this.syncId = syncId;
        this.data = data;
        this.deadline = deadline;
        this.releaseSlot = releaseSlot;
    }

    CompletableFuture<byte[]> result() {
        return result;
    }

    void start() {
        ProcessOpen.Binding b = open.binding();
        binding = b;
        ProcessOpen.Sent s = open.dispatch(MessageFormat.WRITEREAD, b.target(), syncId, data, deadline);
        if (s.failed() != null) {
            firstAttemptTaken.set(true);
            carryOn(new ProcessOpen.Attempt(b, s.failed()));
            return;
        }
        sent = s;
        NowaitWatch.watch(this);
        s.pending().whenComplete(this::answered);
    }

    /** On the link thread that completed the first attempt's future. */
    private void answered(LinkReply reply, Throwable failure) {
        if (!firstAttemptTaken.compareAndSet(false, true)) {
            return;
        }
        NowaitWatch.unwatch(this);
        if (result.isDone()) {
            // The caller cancelled: the request ended here all the same.
            giveSlotBack();
            return;
        }
        ProcessOpen.Binding b = binding;
        ProcessOpen.Outcome outcome = failure == null ? open.judge(reply, b.epoch()) : ProcessOpen.linkFailed(failure);
        switch (outcome.kind()) {
            case REPLY -> finish(outcome.body(), null);
            case ERROR -> finish(null, outcome.error());
            default -> carryOn(new ProcessOpen.Attempt(b, outcome));
        }
    }

    /**
     * Called by the watch when the first attempt has waited a name check's slice or reached its
     * deadline: a thread of the watch waits for it as {@code writeRead} would, asking the name
     * table between slices. Nothing if the reply was taken first.
     */
    void takeOverWaiting() {
        if (!firstAttemptTaken.compareAndSet(false, true)) {
            return;
        }
        ProcessOpen.Binding b = binding;
        ProcessOpen.Sent s = sent;
        NowaitWatch.resend(() -> {
            ProcessOpen.Outcome outcome = open.await(s.pending(), b.target(), b.epoch(), deadline);
            if (result.isDone()) {
                // Cancelled by the caller: nothing is resent, the slot is free once the wait ended.
                giveSlotBack();
                return;
            }
            carryOnHere(new ProcessOpen.Attempt(b, outcome));
        });
    }

    /** Whether the first attempt has waited long enough for the watch to take it over. */
    boolean dueForWatch(long now) {
        ProcessOpen.Sent s = sent;
        return s != null && (now - deadline >= 0 || now - s.nanos() >= ProcessOpen.NAME_CHECK_NANOS);
    }

    private void carryOn(ProcessOpen.Attempt first) {
        NowaitWatch.resend(() -> carryOnHere(first));
    }

    /** On a thread of the watch: the rest of the request, as a waiting {@code writeRead} does it. */
    private void carryOnHere(ProcessOpen.Attempt first) {
        try {
            finish(open.resume(MessageFormat.WRITEREAD, syncId, data, deadline, first), null);
        } catch (RuntimeException e) {
            // A GuardianException as writeRead would throw it; anything else is passed on as it is.
            finish(null, e);
        }
    }

    private void finish(byte[] reply, RuntimeException error) {
        // The slot first: an action chained to the future may send this open's next request.
        giveSlotBack();
        if (error == null) {
            result.complete(reply);
        } else {
            result.completeExceptionally(error);
        }
    }

    private void giveSlotBack() {
        if (slotReleased.compareAndSet(false, true)) {
            releaseSlot.run();
        }
    }
}
