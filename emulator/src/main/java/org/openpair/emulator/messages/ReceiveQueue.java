package org.openpair.emulator.messages;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.openpair.emulator.link.DeliveryBatch;
import org.openpair.emulator.link.ReplyPath;
import org.openpair.emulator.pairs.PairMember;
import org.openpair.emulator.pairs.SavedReplies;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.Receive;
import org.openpair.guardian.ReceivedRequest;
import org.openpair.guardian.SystemMessage;

/**
 * One named process's $RECEIVE: the requests that arrived for it (from the CPU link's reader
 * threads), the ones it read and has not answered, and the decision on every arrival: a request
 * already answered is answered again from the saved replies, one still being answered waits
 * for that answer, one too old is refused, a new one is queued. Only the primary serves; a
 * backup (or a fenced primary) refuses with 210 so the requester looks the name up again.
 */
public final class ReceiveQueue implements Receive {
    private static final System.Logger LOG = System.getLogger(ReceiveQueue.class.getName());
    /** Requests that may wait unread; beyond this arrivals are refused with 44. */
    static final int QUEUE_LIMIT = 4096;
    private static final long FENCE_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final PairMember pair;
    private final ProcessHandle self;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final ArrayDeque<PendingRequest> queue = new ArrayDeque<>();
    /** The queue's size, written under the lock after every change: READUPDATE's spin reads it without. */
    private volatile int queued;
    private final ArrivalSpin spin = new ArrivalSpin();
    /** Wakes the readers parked in READUPDATE: run once per link delivery that queued requests, not per request. */
    private final Runnable wakeReaders = this::wake;
    /** From arrival until the reply left (or the process ended), by open and sync ID. */
    private final Map<Key, PendingRequest> inProgress = new HashMap<>();
    private int receiveDepth;
    private boolean openMessages;
    private int unreplied;
    private volatile boolean closed;
    /** Requests taken off the queue because their requesters gave up; answered outside the lock. */
    private final java.util.Queue<PendingRequest> expired = new java.util.concurrent.ConcurrentLinkedQueue<>();

    public ReceiveQueue(PairMember pair, ProcessHandle self) {
        this.pair = pair;
        this.self = self;
        pair.receiveWith(this::unreplied, this::wake, this::refuseQueued);
    }

    private int unreplied() {
        lock.lock();
        try {
            return unreplied;
        } finally {
            lock.unlock();
        }
    }

    private void wake() {
        lock.lock();
        try {
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * This process became the backup (a switch): the requests it holds unread are answered 210,
     * so their requesters look the name up again and resend them, with the same sync IDs, to
     * the new primary.
     */
    private void refuseQueued() {
        List<PendingRequest> unread;
        lock.lock();
        try {
            unread = List.copyOf(queue);
            queue.clear();
            queued = 0;
        } finally {
            lock.unlock();
        }
        for (PendingRequest p : unread) {
            p.fail(GuardianError.OWNERSHIP_CHANGED, self.cpuPin() + " is the backup now (a switch)");
        }
    }

    /** FILE_OPEN_ of $RECEIVE (see {@link ProcessContext#openReceive}). */
    public Receive open(int depth, boolean withOpenMessages) {
        if (depth < 1 || depth > ProcessContext.MAX_RECEIVE_DEPTH) {
            throw new GuardianException(GuardianError.BOUNDS, "receive depth " + depth + " is outside 1.."
                    + ProcessContext.MAX_RECEIVE_DEPTH);
        }
        lock.lock();
        try {
            receiveDepth = depth;
            openMessages = withOpenMessages;
        } finally {
            lock.unlock();
        }
        return this;
    }

    @Override
    public int receiveDepth() {
        return receiveDepth;
    }

    // ---- arrivals (link reader threads) ------------------------------------------------

    void arrive(MessageFormat.Request r, long openId, long syncId, ReplyPath path) {
        if (closed) {
            path.reply(openId, syncId, 0, MessageFormat.error(GuardianError.PATH_DOWN, self.cpuPin() + " has ended"));
            return;
        }
        if (pair.isFenced() || pair.role() != PairRole.PRIMARY) {
            path.reply(openId, syncId, pair.epoch(), MessageFormat.error(GuardianError.OWNERSHIP_CHANGED,
                    self.cpuPin() + " is not the primary" + (pair.isFenced() ? " (fenced)" : " (yet)")));
            return;
        }
        if (!pair.leaseHeld()) {
            path.reply(openId, syncId, pair.epoch(), MessageFormat.error(GuardianError.OWNERSHIP_CHANGED,
                    self.cpuPin() + "'s CPU does not hold its lease now: it may be being taken over"));
            return;
        }
        switch (r.kind()) {
            case MessageFormat.OPEN -> {
                if (openMessages) {
                    pair.post(new SystemMessage.ProcessOpen(r.opener(), openId, r.syncDepth()));
                }
                path.reply(openId, syncId, pair.epoch(), MessageFormat.ok(new byte[0]));
            }
            case MessageFormat.CLOSE -> {
                // What the open still has queued unread is never executed: its requester is gone.
                dropQueued(openId, GuardianError.NOT_OPEN, "the open was closed before the request was read");
                pair.forgetOpen(openId);
                if (openMessages) {
                    pair.post(new SystemMessage.ProcessClose(r.opener(), openId));
                }
                path.reply(openId, syncId, pair.epoch(), MessageFormat.ok(new byte[0]));
            }
            default -> request(r, openId, syncId, path);
        }
    }

    private void request(MessageFormat.Request r, long openId, long syncId, ReplyPath path) {
        pair.metrics().requestArrived();
        byte[] saved = null;
        java.nio.ByteBuffer answered = null;
        GuardianError refusal = null;
        boolean queuedNow = false;
        lock.lock();
        try {
            if (pair.role() != PairRole.PRIMARY) {
                // Checked again under the lock a switch drains the queue under: nothing is queued after that.
                refusal = GuardianError.OWNERSHIP_CHANGED;
                return;
            }
            PendingRequest running = inProgress.get(new Key(openId, syncId));
            if (running != null) {
                // A resend of a request still being answered: the answer goes this way too, or,
                // if it is leaving just now (before done() took the request out), it is sent below.
                answered = running.alsoReplyTo(path);
            } else {
                SavedReplies replies = pair.savedReplies();
                switch (replies.admit(openId, syncId)) {
                    case SAVED -> saved = replies.saved(openId, syncId);
                    case TOO_OLD -> refusal = GuardianError.INVALID_OPERATION;
                    case NEW -> {
                        if (queue.size() >= QUEUE_LIMIT) {
                            refusal = GuardianError.NO_ROOM;
                        } else {
                            PendingRequest p = new PendingRequest(this, r, openId, syncId, path);
                            inProgress.put(new Key(openId, syncId), p);
                            queue.addLast(p);
                            queued = queue.size();
                            queuedNow = true;
                        }
                    }
                }
            }
        } finally {
            lock.unlock();
            if (refusal == GuardianError.OWNERSHIP_CHANGED) {
                path.reply(openId, syncId, pair.epoch(), MessageFormat.error(refusal, self.cpuPin()
                        + " is not the primary"));
            }
        }
        if (queuedNow) {
            // A spinning READUPDATE has seen it already (queued is volatile); a parked one is woken
            // when the link's read is delivered, once for all the requests it brought.
            DeliveryBatch.wakeAfter(wakeReaders);
        } else if (answered != null) {
            path.reply(openId, syncId, pair.epoch(), answered);
        } else if (saved != null) {
            path.reply(openId, syncId, pair.epoch(), MessageFormat.ok(saved));
        } else if (refusal == GuardianError.INVALID_OPERATION) {
            path.reply(openId, syncId, pair.epoch(), MessageFormat.error(refusal, "sync ID " + syncId
                    + " is older than the replies " + self.cpuPin() + " keeps for this open"));
        } else if (refusal != null) {
            path.reply(openId, syncId, pair.epoch(), MessageFormat.error(refusal, QUEUE_LIMIT
                    + " requests are already waiting for " + self.cpuPin()));
        }
    }

    // ---- the program's side ------------------------------------------------------------

    @Override
    public Optional<ReceivedRequest> readUpdate(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long waitStart = 0;
        // Bounded: each pass either returns, throws, or makes a switch (which throws).
        for (int pass = 0; ; pass++) {
            if (pass > 0 || pair.switchPending()) {
                // CHECKSWITCH's safe point, outside the queue lock (the switch waits for acks and
                // the name table): a pending switch is made here, when no request is unanswered (210).
                pair.safePoint();
            }
            if (queued == 0 && pass == 0) {
                waitStart = System.nanoTime();
                spin.spin(() -> queued > 0 || closed, waitStart, deadline);
            }
            lock.lock();
            try {
                if (unreplied >= receiveDepth) {
                    throw new GuardianException(GuardianError.RECEIVE_DEPTH, unreplied + " requests are read and not "
                            + "replied to: the receive depth is " + receiveDepth);
                }
                if (pair.role() == PairRole.BACKUP) {
                    throw new GuardianException(GuardianError.OWNERSHIP_CHANGED, self.cpuPin() + " is the backup (a "
                            + "switch made it so): call awaitTakeover");
                }
                while (queue.isEmpty()) {
                    if (closed || pair.isFenced()) {
                        throw new GuardianException(GuardianError.OWNERSHIP_CHANGED, self.cpuPin()
                                + " is ending: no more requests");
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        if (waitStart != 0) {
                            spin.observed(System.nanoTime() - waitStart);
                        }
                        return Optional.empty();
                    }
                    if (unreplied == 0 && pair.switchPending()) {
                        break;
                    }
                    // Fencing does not signal: look again at least every 100 ms.
                    arrived.awaitNanos(Math.min(left, FENCE_CHECK_NANOS));
                }
                if (!queue.isEmpty()) {
                    PendingRequest next = queue.pollFirst();
                    queued = queue.size();
                    if (next.deadline != 0 && System.currentTimeMillis() >= next.deadline) {
                        // Its requester has given up (error 40, outcome unknown to it): it must not
                        // run now, as Guardian's CANCEL would have taken it off $RECEIVE.
                        expired.add(next);
                        continue;
                    }
                    unreplied++;
                    if (waitStart != 0) {
                        spin.observed(System.nanoTime() - waitStart);
                    }
                    return Optional.of(next);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            } finally {
                lock.unlock();
                refuseExpired();
            }
        }
    }

    private void refuseExpired() {
        PendingRequest p;
        while ((p = expired.poll()) != null) {
            p.fail(GuardianError.TIMED_OUT, "its requester's deadline passed before " + self.cpuPin() + " read it");
            LOG.log(System.Logger.Level.DEBUG, "{0}: a request of open {1} dropped unread after its deadline",
                    self.cpuPin(), p.openId);
        }
    }

    private void dropQueued(long openId, GuardianError error, String why) {
        List<PendingRequest> dropped = new java.util.ArrayList<>();
        lock.lock();
        try {
            queue.removeIf(p -> p.openId == openId && dropped.add(p));
            queued = queue.size();
        } finally {
            lock.unlock();
        }
        for (PendingRequest p : dropped) {
            p.fail(error, why);
        }
    }

    /** The program replied: the request no longer counts against the receive depth. */
    void replying() {
        lock.lock();
        try {
            unreplied--;
        } finally {
            lock.unlock();
        }
    }

    /** The reply left (or never will): later resends are decided by the saved replies. */
    void done(PendingRequest p) {
        lock.lock();
        try {
            inProgress.remove(new Key(p.openId, p.syncId), p);
        } finally {
            lock.unlock();
        }
    }

    PairMember pair() {
        return pair;
    }

    ProcessHandle self() {
        return self;
    }

    /**
     * The process ended: requests not yet answered get 201, so their requesters turn to the
     * backup (a request whose reply is being checkpointed is answered by whichever comes first).
     */
    public void close() {
        List<PendingRequest> unanswered;
        lock.lock();
        try {
            closed = true;
            unanswered = List.copyOf(inProgress.values());
            queue.clear();
            queued = 0;
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        for (PendingRequest p : unanswered) {
            p.fail(GuardianError.PATH_DOWN, self.cpuPin() + " ended before it replied");
        }
        if (!unanswered.isEmpty()) {
            LOG.log(System.Logger.Level.DEBUG, "{0}: {1} requests unanswered at its end", self.cpuPin(), unanswered.size());
        }
    }

    private record Key(long openId, long syncId) {
    }
}
