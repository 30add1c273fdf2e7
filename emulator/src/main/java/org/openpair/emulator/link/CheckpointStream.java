package org.openpair.emulator.link;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An ordered sender of checkpoints from a primary to its backup's CPU, opened on a
 * {@link LinkClient} with {@link LinkClient#open}. Each send gets the next sequence number, in
 * send order from the {@code firstSeq} given at open, and its future completes with that seq
 * once the receiver's {@link LinkHandler} has accepted it: an acknowledged checkpoint is one the
 * backup holds. Many sends may be in flight; they are acknowledged in seq order, and a
 * cumulative ACK completes every future up to its seq, in order.
 *
 * <p>A future fails with a {@link LinkException}: {@link LinkException.Kind#REFUSED} if the
 * handler refused exactly that checkpoint (a handler that keeps its stream in order then refuses
 * the ones after it with {@link Verdict#GAP}, so the owner normally opens a new stream);
 * {@link LinkException.Kind#PEER_GONE} or {@link LinkException.Kind#LINK_DOWN} if the
 * connection ended before the ack; {@link LinkException.Kind#CLOSED} if this side closed the
 * client. After any failure but REFUSED the backup may or may not hold the checkpoint.
 *
 * <p>A send with no earlier send of this stream unanswered is written at once by the calling
 * thread. A send made while earlier ones are unanswered is queued and leaves with the batch the
 * link writes as soon as the next ack or refusal of the stream comes back (acks come back
 * without delay, so it waits less than one round trip): a pipelining sender thus costs a few
 * large writes per round trip instead of one syscall per checkpoint (measured on 2 cores with
 * 100-byte checkpoints: 100,000-250,000 a second written one by one, 1-3 million batched).
 * Other streams are not delayed by it.
 *
 * <p>Thread-safe. Futures are completed while this stream is held, on the link's own thread or
 * on the thread of a {@link #sendAndAwait} that was reading the link for its own ack (see
 * {@link LinkConnection}): keep dependent actions short, never wait on the link in them, and use
 * the {@code *Async} variants to move work elsewhere. {@link #send} never blocks on the network; it waits only when
 * several megabytes are already queued because the peer is not reading.
 *
 * {@snippet :
 * try (LinkClient link = LinkClient.connect("127.0.0.1", port, "NODE", 0)) {
 *     CheckpointStream toBackup = link.open(42, epoch, 1);
 *     long seq = toBackup.sendAndAwait(state, Duration.ofSeconds(1)); // the backup holds it
 * }
 * }
 */
public final class CheckpointStream implements AutoCloseable {
    private final ClientSession link;
    private final FrameWriter out;
    private final long stream;
    private final long epoch;
    private final int maxPayload;
    /** Futures of the sends not yet answered, oldest first; the oldest has seq {@link #firstUnanswered}. */
    private final ArrayDeque<CompletableFuture<Long>> unanswered = new ArrayDeque<>();
    private long nextSeq;
    private long firstUnanswered;
    private LinkException failure;
    private boolean closed;

    CheckpointStream(ClientSession link, FrameWriter out, long stream, long epoch, long firstSeq, int maxPayload) {
        this.link = link;
        this.out = out;
        this.stream = stream;
        this.epoch = epoch;
        this.maxPayload = maxPayload;
        this.nextSeq = firstSeq;
        this.firstUnanswered = firstSeq;
    }

    /** The stream id every checkpoint carries. */
    public long stream() {
        return stream;
    }

    /** The sender's epoch every checkpoint carries. */
    public long epoch() {
        return epoch;
    }

    /** The seq the next send will get. */
    public synchronized long nextSeq() {
        return nextSeq;
    }

    /** Sends whose ack or refusal has not come yet. */
    public synchronized int inFlight() {
        return unanswered.size();
    }

    /**
     * Sends one checkpoint: the payload's remaining bytes are copied before this returns (its
     * position is left alone). The future completes with the checkpoint's seq once the backup
     * holds it, or fails with a {@link LinkException}.
     *
     * @throws IllegalArgumentException if the payload is over the link's limit (the smaller of
     *                                  the two ends' {@link LinkOptions#maxPayload()})
     * @throws IllegalStateException    if this stream was closed
     */
    public CompletableFuture<Long> send(ByteBuffer payload) {
        return queue(Objects.requireNonNull(payload, "payload"), FrameWriter.FOREVER);
    }

    /** {@link #send(ByteBuffer)} of a whole array. */
    public CompletableFuture<Long> send(byte[] payload) {
        return queue(ByteBuffer.wrap(Objects.requireNonNull(payload, "payload")), FrameWriter.FOREVER);
    }

    /**
     * Sends one checkpoint and waits until the backup holds it.
     *
     * @return the checkpoint's seq
     * @throws LinkException            if it was refused, the link went down, or no ack came
     *                                  within the timeout ({@link LinkException.Kind#TIMEOUT}:
     *                                  the link is still up and the ack may yet come)
     * @throws IllegalArgumentException if the payload is over the link's limit
     * @throws IllegalStateException    if this stream was closed, or if called in a dependent
     *                                  action of a checkpoint future of this link, which would
     *                                  wait for the thread that runs it
     */
    public long sendAndAwait(byte[] payload, Duration timeout) {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(timeout, "timeout");
        if (link.delivering()) {
            throw new IllegalStateException("sendAndAwait in a dependent action of a checkpoint future would wait "
                    + "for the thread that runs it; use send()");
        }
        long start = System.nanoTime();
        long deadline = deadlineAfter(start, timeout);
        CompletableFuture<Long> acked = queue(ByteBuffer.wrap(payload), deadline);
        link.ackWait().pollUntilAcked(acked, start, link.connection());
        try {
            long seq = deadline == FrameWriter.FOREVER ? acked.get()
                    : acked.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            link.ackWait().observed(System.nanoTime() - start);
            return seq;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof LinkException le ? le.rethrown()
                    : new IllegalStateException("checkpoint failed unexpectedly", e.getCause());
        } catch (TimeoutException e) {
            throw new LinkException(LinkException.Kind.TIMEOUT, "no ack from " + link.describePeer() + " within "
                    + timeout + " for a checkpoint on stream " + stream);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LinkException(LinkException.Kind.INTERRUPTED, "interrupted while waiting for the ack of a "
                    + "checkpoint on stream " + stream);
        }
    }

    /**
     * Sends no more. Checkpoints in flight still get their outcome; the stream id can be opened
     * again on this client once they have. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            if (unanswered.isEmpty()) {
                link.forget(this);
            }
        }
    }

    /**
     * Sends no more and fails every checkpoint still waiting for its answer with a
     * {@link LinkException.Kind#CLOSED} naming {@code why}, without waiting for the peer: for a
     * sender that may no longer act on the answers (a fenced primary), so a thread waiting in
     * {@link #sendAndAwait} for an ack that may never come (its peer across a split) returns now.
     * A late answer finds the stream gone and is dropped. The futures complete on the caller's
     * thread, outside this stream's lock.
     */
    public void abort(String why) {
        List<CompletableFuture<Long>> waiting;
        LinkException failed = new LinkException(LinkException.Kind.CLOSED, "checkpoint stream " + stream
                + " was aborted: " + why);
        synchronized (this) {
            closed = true;
            if (failure == null) {
                failure = failed;
            }
            waiting = new ArrayList<>(unanswered);
            unanswered.clear();
            link.forget(this);
        }
        for (CompletableFuture<Long> f : waiting) {
            f.completeExceptionally(failed);
        }
    }

    private CompletableFuture<Long> queue(ByteBuffer payload, long deadline) {
        int length = payload.remaining();
        if (length > maxPayload) {
            throw new IllegalArgumentException("checkpoint of " + length + " bytes is over the link's limit of "
                    + maxPayload + " bytes (stream " + stream + ")");
        }
        if (!link.delivering()) {
            // A thread delivering the link's frames must never wait for room: the link's thread makes
            // room, and may be waiting for this one to finish delivering.
            switch (out.awaitRoom(FrameFormat.OVERHEAD + length, deadline)) {
                case TIMED_OUT -> {
                    return CompletableFuture.failedFuture(new LinkException(LinkException.Kind.TIMEOUT,
                            "no room to queue a checkpoint to " + link.describePeer() + " before the deadline: "
                                    + "it is not reading"));
                }
                case INTERRUPTED -> {
                    return CompletableFuture.failedFuture(new LinkException(LinkException.Kind.INTERRUPTED,
                            "interrupted while waiting for room to queue a checkpoint"));
                }
                case YES, CLOSED -> {
                    // a closed writer refuses the frame below and the link's failure fails the send
                }
            }
        }
        CompletableFuture<Long> acked = new CompletableFuture<>();
        boolean pipelined;
        synchronized (this) {
            if (failure != null) {
                return CompletableFuture.failedFuture(failure);
            }
            if (closed) {
                throw new IllegalStateException("checkpoint stream " + stream + " is closed");
            }
            pipelined = !unanswered.isEmpty();
            unanswered.addLast(acked);
            // If the writer refuses (the link is going down), the link's failure sweep fails this future.
            out.append(FrameType.CHECKPOINT, stream, epoch, nextSeq++, payload);
        }
        // A pipelined send rides with the flush that follows the next answer on this stream
        // (ClientSession.onBatchEnd): that answer comes after this append, since answering
        // takes this stream's lock, so nothing is left behind.
        if (!pipelined) {
            out.flush();
        }
        return acked;
    }

    /** Every send up to {@code seq} was accepted; called on the link's thread. */
    synchronized void acked(long ackEpoch, long seq) throws ProtocolException {
        if (ackEpoch != epoch || failure != null) {
            return;
        }
        if (seq >= nextSeq) {
            throw new ProtocolException("ACK of seq " + seq + " on stream " + stream + ", which has sent only up to "
                    + (nextSeq - 1));
        }
        while (firstUnanswered <= seq && !unanswered.isEmpty()) {
            unanswered.pollFirst().complete(firstUnanswered++);
        }
        leaveIfDone();
    }

    /** The receiver refused exactly {@code seq}; called on the link's thread. */
    synchronized void refused(long nackEpoch, long seq, Verdict reason, String peer) throws ProtocolException {
        if (nackEpoch != epoch || failure != null || seq < firstUnanswered) {
            return;
        }
        if (seq != firstUnanswered || unanswered.isEmpty()) {
            throw new ProtocolException("NACK of seq " + seq + " on stream " + stream + " while seq " + firstUnanswered
                    + " is the oldest unanswered of " + unanswered.size());
        }
        unanswered.pollFirst().completeExceptionally(new LinkException(LinkException.Kind.REFUSED, reason,
                peer + " refused checkpoint seq " + seq + " of stream " + stream + " epoch " + epoch + ": " + reason,
                null));
        firstUnanswered++;
        leaveIfDone();
    }

    /** The link is down: every unanswered send fails with {@code why}, and so will later ones. */
    synchronized void fail(LinkException why) {
        if (failure != null) {
            return;
        }
        failure = why;
        while (!unanswered.isEmpty()) {
            unanswered.pollFirst().completeExceptionally(why);
        }
    }

    private void leaveIfDone() {
        if (closed && unanswered.isEmpty()) {
            link.forget(this);
        }
    }

    private static long deadlineAfter(long now, Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeout);
        }
        return timeout.compareTo(Duration.ofDays(365)) > 0 ? FrameWriter.FOREVER : now + timeout.toNanos();
    }
}
