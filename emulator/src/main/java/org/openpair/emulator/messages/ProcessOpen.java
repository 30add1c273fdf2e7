package org.openpair.emulator.messages;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import org.openpair.emulator.link.LinkReply;
import org.openpair.emulator.names.NameCache;
import org.openpair.emulator.names.NameEntry;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;

/**
 * The requester's end of an open: binds to the pair's primary, numbers the requests, and when
 * the path to the primary breaks looks the name up again and decides, as {@link ProcessFile}
 * documents, between resending (same sync ID) to the new primary, 201, and 60. The binding
 * only ever moves to a member of the same pair (same name, same creation) at a higher or equal
 * epoch, and a reply carrying an older epoch than the binding's is not accepted: a fenced
 * primary's answer never reaches the caller. A nowait request ({@link #writeReadNowait}) makes
 * its first attempt with no thread waiting ({@link NowaitWriteRead}) and goes on, when that
 * attempt is not answered in time, in the same loop ({@link #resume}) as a waiting one.
 */
public final class ProcessOpen implements ProcessFile {
    private static final System.Logger LOG = System.getLogger(ProcessOpen.class.getName());
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);
    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** Attempts of one request, whatever its timeout: a bound on the loop, far above any real need. */
    private static final int MAX_ATTEMPTS = 100_000;
    /** How long a request waits in silence before the name table is asked whether the pair moved on. */
    static final long NAME_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final byte[] NOTHING = new byte[0];

    private final ProcessName name;
    private final int syncDepth;
    private final long openId;
    private final ProcessHandle opener;
    private final RequestLinks links;
    private final NameCache names;
    private final Instant pairCreated;
    private final AtomicLong syncIds = new AtomicLong();
    private final Semaphore slots;
    private final Object bindingLock = new Object();
    private ProcessHandle server;
    private long epoch;
    private volatile boolean closed;
    /** The name went to another process: every later request fails with 60. */
    private volatile boolean replaced;

    private ProcessOpen(ProcessName name, int syncDepth, ProcessHandle opener, RequestLinks links,
                        NameCache names, NameEntry entry) {
        this.name = name;
        this.syncDepth = syncDepth;
        this.opener = opener;
        this.links = links;
        this.names = names;
        this.pairCreated = entry.created();
        this.server = entry.primary();
        this.epoch = entry.epoch();
        this.slots = new Semaphore(Math.max(1, syncDepth), true);
        // Positive: 0 and the negative opens are the node's own (CPU calls, the lease).
        long id;
        do {
            id = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
        } while (id == 0);
        this.openId = id;
    }

    /**
     * FILE_OPEN_ of a named process.
     *
     * @param opener the opening process, or null for a requester outside the node's processes
     * @param names  the name entries as the opener's CPU looks them up: a request is sent by the
     *               binding, never by a read per request; the name is read (from the cache) only
     *               to bind, after the path broke or the pair refused, and after a silence
     */
    public static ProcessOpen open(ProcessName name, int syncDepth, ProcessHandle opener, RequestLinks links,
                                   NameCache names) {
        if (syncDepth < 0 || syncDepth > Guardian.MAX_SYNC_DEPTH) {
            throw new GuardianException(GuardianError.BOUNDS, "sync depth " + syncDepth + " is outside 0.."
                    + Guardian.MAX_SYNC_DEPTH);
        }
        NameEntry entry = names.get(name.toString());
        if (entry == null || entry.primary() == null) {
            throw new GuardianException(GuardianError.NO_SUCH_DEVICE, "no process is named " + name);
        }
        ProcessOpen open = new ProcessOpen(name, syncDepth, opener, links, names, entry);
        open.call(MessageFormat.OPEN, 0, NOTHING, System.nanoTime() + OPEN_TIMEOUT.toNanos());
        return open;
    }

    @Override
    public ProcessName name() {
        return name;
    }

    @Override
    public int syncDepth() {
        return syncDepth;
    }

    @Override
    public long syncId() {
        return syncIds.get();
    }

    @Override
    public ProcessHandle server() {
        synchronized (bindingLock) {
            return server;
        }
    }

    /** The open's node-wide ID (FILE_GETRECEIVEINFO_ shows it to the server). */
    public long openId() {
        return openId;
    }

    @Override
    public byte[] writeRead(byte[] request, Duration timeout) {
        requireSendable(request);
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (!slots.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new GuardianException(GuardianError.TIMED_OUT, name + ": " + Math.max(1, syncDepth)
                        + " requests of this open are in flight; no slot within " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuardianException(GuardianError.TIMED_OUT, "interrupted while waiting to send to " + name);
        }
        try {
            requireUsable();
            long syncId = syncIds.incrementAndGet();
            return call(MessageFormat.WRITEREAD, syncId, request, deadline);
        } finally {
            slots.release();
        }
    }

    @Override
    public CompletableFuture<byte[]> writeReadNowait(byte[] request, Duration timeout) {
        requireSendable(request);
        if (!slots.tryAcquire()) {
            throw new GuardianException(GuardianError.TOO_MANY_NOWAIT, name + ": " + Math.max(1, syncDepth)
                    + " requests of this open are in flight (its sync depth is " + syncDepth + ")");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        NowaitWriteRead call;
        try {
            requireUsable();
            call = new NowaitWriteRead(this, syncIds.incrementAndGet(), request, deadline, slots::release);
        } catch (RuntimeException e) {
            slots.release();
            throw e;
        }
        call.start();
        return call.result();
    }

    /** The binding a request goes by now: the primary and the epoch it is known at. */
    Binding binding() {
        synchronized (bindingLock) {
            return new Binding(server, epoch);
        }
    }

    record Binding(ProcessHandle target, long epoch) {
    }

    /** 22 for a request over the limit, then {@link #requireUsable}: what both WRITEREADs check before a slot. */
    private void requireSendable(byte[] request) {
        if (request.length > MAX_MESSAGE_BYTES) {
            throw new GuardianException(GuardianError.BOUNDS, "request of " + request.length
                    + " bytes exceeds the limit of " + MAX_MESSAGE_BYTES);
        }
        requireUsable();
    }

    private void requireUsable() {
        if (closed) {
            throw new GuardianException(GuardianError.NOT_OPEN, "the open of " + name + " is closed");
        }
        if (replaced) {
            throw new GuardianException(GuardianError.NAME_CHANGED, name + " now denotes a process that is not the "
                    + "one this open was made to");
        }
    }

    /** One request to its end: a reply, or the error the class notes promise. */
    private byte[] call(byte kind, long syncId, byte[] data, long deadline) {
        return resume(kind, syncId, data, deadline, null);
    }

    /**
     * The loop of {@link #call}, entered with the outcome of a first attempt already made (a
     * nowait request's, judged on a link thread), or with null to make the first attempt here.
     */
    byte[] resume(byte kind, long syncId, byte[] data, long deadline, Attempt first) {
        long backoff = FIRST_BACKOFF_NANOS;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            ProcessHandle target;
            long boundEpoch;
            Outcome outcome;
            if (first != null) {
                target = first.binding().target();
                boundEpoch = first.binding().epoch();
                outcome = first.outcome();
                first = null;
            } else {
                synchronized (bindingLock) {
                    target = server;
                    boundEpoch = epoch;
                }
                outcome = send(kind, target, boundEpoch, syncId, data, deadline);
            }
            switch (outcome.kind) {
                case REPLY -> {
                    return outcome.body;
                }
                case ERROR -> throw outcome.error;
                case PATH_DOWN, NOT_PRIMARY -> {
                    // The entry this request was routed by may be the cause: the rebind reads the table.
                    names.stale(name.toString());
                    Rebind r = rebind(target, boundEpoch);
                    switch (r) {
                        case GONE -> throw new GuardianException(GuardianError.PATH_DOWN, name + ": " + target.cpuPin()
                                + " is gone and no backup took over (" + outcome.why + ")");
                        case REPLACED -> {
                            replaced = true;
                            throw new GuardianException(GuardianError.NAME_CHANGED, name + " now denotes a process that"
                                    + " is not the one this open was made to");
                        }
                        case MOVED -> {
                            // A refusal (NOT_PRIMARY) means the request was not executed: resending is always safe.
                            if (outcome.kind == Outcome.Kind.PATH_DOWN && syncDepth == 0 && kind == MessageFormat.WRITEREAD) {
                                throw new GuardianException(GuardianError.PATH_DOWN, name + ": the primary "
                                        + target.cpuPin() + " died (" + outcome.why + "); sync depth 0, not resent; "
                                        + "the next request goes to " + server().cpuPin());
                            }
                            backoff = FIRST_BACKOFF_NANOS;
                            continue;
                        }
                        case SAME -> { }
                    }
                    // The name still shows this process: its death or promotion is on its way.
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw timedOut(syncId);
                    }
                    sleep(Math.min(backoff, left));
                    backoff = Math.min(MAX_BACKOFF_NANOS, backoff * 2);
                }
                case TIMED_OUT -> throw timedOut(syncId);
            }
        }
        throw new GuardianException(GuardianError.TIMED_OUT, name + ": sync ID " + syncId + " gave up after "
                + MAX_ATTEMPTS + " attempts");
    }

    private GuardianException timedOut(long syncId) {
        return new GuardianException(GuardianError.TIMED_OUT, name + ": no reply to sync ID " + syncId
                + " within the timeout");
    }

    private Outcome send(byte kind, ProcessHandle target, long boundEpoch, long syncId, byte[] data, long deadline) {
        Sent sent = dispatch(kind, target, syncId, data, deadline);
        if (sent.failed() != null) {
            return sent.failed();
        }
        links.pollForReply(target.cpu(), sent.pending(), sent.nanos());
        return await(sent.pending(), target, boundEpoch, deadline);
    }

    /** One attempt's request on its way: the link's future of its reply, or why it could not go. */
    record Sent(CompletableFuture<LinkReply> pending, long nanos, Outcome failed) {
    }

    /** An attempt made (to the binding it went by) and how it ended, for {@link #resume}. */
    record Attempt(Binding binding, Outcome outcome) {
    }

    Sent dispatch(byte kind, ProcessHandle target, long syncId, byte[] data, long deadline) {
        // The deadline travels with the request, on the wall clock (the server's monotonic clock is
        // not ours): a request that reaches its server after its requester gave up, say across a
        // healed partition, is refused there instead of executed.
        long wallDeadline = System.currentTimeMillis() + Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
        ByteBuffer payload = MessageFormat.request(kind, target, syncDepth, opener, wallDeadline, data);
        long sent = System.nanoTime();
        try {
            return new Sent(links.request(target.cpu(), openId, syncId, payload), sent, null);
        } catch (RuntimeException e) {
            return new Sent(null, sent, Outcome.pathDown(e.getMessage()));
        }
    }

    /** Waits for an attempt's reply until the deadline, asking the name table between slices. */
    Outcome await(CompletableFuture<LinkReply> pending, ProcessHandle target, long boundEpoch, long deadline) {
        LinkReply reply = null;
        try {
            // A hung server CPU is silent: between slices, ask the name table whether the pair moved on.
            while (reply == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    pending.cancel(false);
                    return Outcome.TIMED_OUT;
                }
                try {
                    reply = pending.get(Math.min(left, NAME_CHECK_NANOS), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    if (movedOn(target, boundEpoch)) {
                        pending.cancel(false);
                        return Outcome.pathDown(target.cpuPin() + " did not answer and the name moved on");
                    }
                }
            }
        } catch (InterruptedException e) {
            pending.cancel(false);
            Thread.currentThread().interrupt();
            return Outcome.error(new GuardianException(GuardianError.TIMED_OUT, "interrupted while waiting for " + name));
        } catch (ExecutionException | CancellationException e) {
            return linkFailed(e);
        }
        return judge(reply, boundEpoch);
    }

    /** The outcome of an attempt whose link future failed (as {@code get} or a dependent action sees it). */
    static Outcome linkFailed(Throwable e) {
        boolean wrapped = e instanceof ExecutionException || e instanceof java.util.concurrent.CompletionException;
        Throwable cause = wrapped && e.getCause() != null ? e.getCause() : e;
        return Outcome.pathDown(cause.getMessage());
    }

    /** What a reply that came says: the body, a refusal to resend on, or the caller's error. */
    Outcome judge(LinkReply reply, long boundEpoch) {
        MessageFormat.Reply answer = MessageFormat.reply(reply.payload());
        int status = answer == null ? -1 : answer.status();
        if (status == 0) {
            if (reply.epoch() < boundEpoch) {
                return Outcome.notPrimary("a reply from epoch " + reply.epoch() + ", older than the pair's");
            }
            return Outcome.reply(answer.body());
        }
        String message = answer == null ? "malformed reply" : answer.message();
        if (status == GuardianError.PATH_DOWN.number()) {
            return Outcome.pathDown(message);
        }
        if (status == GuardianError.OWNERSHIP_CHANGED.number()) {
            return Outcome.notPrimary(message);
        }
        GuardianError error;
        try {
            error = GuardianError.of(status);
        } catch (IllegalArgumentException e) {
            error = GuardianError.INVALID_OPERATION;
        }
        return Outcome.error(new GuardianException(error, name + ": " + message));
    }

    /** Whether the name now shows another primary of the pair at a higher epoch (the target's CPU was declared dead). */
    private boolean movedOn(ProcessHandle target, long boundEpoch) {
        try {
            NameEntry entry = names.get(name.toString());
            return entry == null || !target.equals(entry.primary()) && entry.epoch() > boundEpoch;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** How the name table answers after the path to {@code target} broke. */
    private enum Rebind { GONE, REPLACED, MOVED, SAME }

    private Rebind rebind(ProcessHandle target, long boundEpoch) {
        NameEntry entry;
        try {
            entry = names.get(name.toString());
        } catch (RuntimeException e) {
            // The name table cannot be read (this side may be cut off): try again later.
            LOG.log(System.Logger.Level.DEBUG, "{0}: name lookup failed: {1}", name, e.toString());
            return Rebind.SAME;
        }
        if (entry == null || entry.primary() == null) {
            return Rebind.GONE;
        }
        if (!entry.created().equals(pairCreated)) {
            return Rebind.REPLACED;
        }
        synchronized (bindingLock) {
            if (entry.primary().equals(target) || entry.epoch() < boundEpoch) {
                return Rebind.SAME;
            }
            server = entry.primary();
            epoch = entry.epoch();
        }
        LOG.log(System.Logger.Level.DEBUG, "{0}: open {1} rebound from {2} to {3} at epoch {4}", name, openId,
                target.cpuPin(), entry.primary().cpuPin(), entry.epoch());
        return Rebind.MOVED;
    }

    private static void sleep(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuardianException(GuardianError.TIMED_OUT, "interrupted while waiting for a takeover");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (replaced) {
            return;
        }
        try {
            call(MessageFormat.CLOSE, 0, NOTHING, System.nanoTime() + CLOSE_TIMEOUT.toNanos());
        } catch (GuardianException e) {
            // The server is gone or unreachable: it has nothing left to forget that matters.
            LOG.log(System.Logger.Level.DEBUG, "{0}: close of open {1} not delivered: {2}", name, openId, e.getMessage());
        }
    }

    record Outcome(Kind kind, byte[] body, GuardianException error, String why) {
        enum Kind { REPLY, ERROR, PATH_DOWN, NOT_PRIMARY, TIMED_OUT }

        static final Outcome TIMED_OUT = new Outcome(Kind.TIMED_OUT, null, null, "timed out");

        static Outcome reply(byte[] body) {
            return new Outcome(Kind.REPLY, body, null, null);
        }

        static Outcome error(GuardianException e) {
            return new Outcome(Kind.ERROR, null, e, e.getMessage());
        }

        static Outcome pathDown(String why) {
            return new Outcome(Kind.PATH_DOWN, null, null, why);
        }

        static Outcome notPrimary(String why) {
            return new Outcome(Kind.NOT_PRIMARY, null, null, why);
        }
    }
}
