package org.openpair.chaos;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessName;

/**
 * One client's requests to one pair, each turned into an {@link Op} of the history: the open it
 * goes on (sync depth 1, so a takeover resends it), its timing, and what its outcome means. After
 * an unknown outcome the client closes that open and never uses it again, and the close time is
 * recorded: a request may still be applied until then, never after.
 *
 * <p>A nowait client sends each request with {@link ProcessFile#writeReadNowait} and waits on its
 * future: the same history, through the nowait path (replies judged on the link's thread, resends
 * on the nowait watch's threads).
 *
 * <p>Key-value values may carry padding after a {@code ~} (the state-growing writes); only the
 * part before it identifies the write.
 */
final class Requests implements AutoCloseable {
    /**
     * Errors raised before a request could reach a server, so it was not executed: 16 the open is
     * closed, 22 too big, 74 and 44 no room at the server, 14 no such process at the open.
     */
    private static final Set<Integer> DEFINITE = Set.of(14, 16, 22, 28, 44, 74);
    /** How long after its timeout a nowait request's future may take to complete (the watch sweeps every 20 ms). */
    private static final Duration NOWAIT_GRACE = Duration.ofSeconds(5);

    private final Guardian guardian;
    private final ProcessName pair;
    private final String client;
    private final Duration timeout;
    private final History history;
    private final boolean nowait;
    private ProcessFile open;
    private int opens;
    private long seq;

    Requests(Guardian guardian, ProcessName pair, String client, Duration timeout, History history) {
        this(guardian, pair, client, timeout, history, false);
    }

    /** @param nowait send with {@link ProcessFile#writeReadNowait} and wait on the future */
    Requests(Guardian guardian, ProcessName pair, String client, Duration timeout, History history, boolean nowait) {
        this.guardian = guardian;
        this.pair = pair;
        this.client = client;
        this.timeout = timeout;
        this.history = history;
        this.nowait = nowait;
    }

    /** Opens the pair if no open is held; false (and no request made) if it cannot be opened now. */
    boolean ensureOpen() {
        if (open != null) {
            return true;
        }
        try {
            open = guardian.fileOpen(pair, 1);
            opens++;
            return true;
        } catch (GuardianException e) {
            return false;
        }
    }

    /** A ledger transfer with a fresh ID; the open must be held. */
    Op transfer(int from, int to, long amount) {
        long n = ++seq;
        String id = client + "." + n;
        return send(n, "XFER", id, null, "XFER " + id + " " + from + " " + to + " " + amount);
    }

    /** A key-value write of a fresh value, padded with {@code padding} bytes; the open must be held. */
    Op put(String key, int padding) {
        long n = ++seq;
        String id = client + "." + n;
        String value = padding > 0 ? id + "~" + "x".repeat(padding) : id;
        return send(n, "PUT", id, key, "PUT " + key + " " + value);
    }

    private Op send(long n, String kind, String id, String key, String request) {
        long invoked = System.nanoTime();
        Op op;
        try {
            String reply = new String(writeRead(request.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
            try {
                op = fromReply(n, kind, id, key, invoked, System.nanoTime(), reply);
            } catch (RuntimeException e) {
                // A reply this client cannot read says nothing sure about the request's effect.
                op = new Op(pair.toString(), client, n, opens, kind, id, key, invoked, System.nanoTime(),
                        Outcome.UNKNOWN, -1, -1, null, "unreadable reply: " + reply, -1);
            }
        } catch (GuardianException e) {
            long done = System.nanoTime();
            boolean definite = DEFINITE.contains(e.error());
            long closed = -1;
            if (!definite || e.error() == 16) {
                closed = closeOpen();
            }
            op = new Op(pair.toString(), client, n, opens, kind, id, key, invoked, done,
                    definite ? Outcome.FAILED : Outcome.UNKNOWN, -1, -1, null, e.oneLine(), definite ? -1 : closed);
        }
        history.add(op);
        return op;
    }

    private byte[] writeRead(byte[] request) {
        if (!nowait) {
            return open.writeRead(request, timeout);
        }
        try {
            return open.writeReadNowait(request, timeout).get(timeout.plus(NOWAIT_GRACE).toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GuardianException g) {
                throw g;
            }
            throw new IllegalStateException("a nowait WRITEREAD failed with " + e.getCause(), e.getCause());
        } catch (TimeoutException | CancellationException e) {
            // Its outcome is unknown, as after a timeout: recorded so, and the open is never used again.
            throw new GuardianException(GuardianError.TIMED_OUT, "the nowait WRITEREAD's future "
                    + "did not complete within " + NOWAIT_GRACE.toSeconds() + " s of its timeout");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuardianException(GuardianError.TIMED_OUT, "interrupted");
        }
    }

    private Op fromReply(long n, String kind, String id, String key, long invoked, long done, String reply) {
        String[] w = reply.split(" ");
        String shortReply = reply.length() > 200 ? reply.substring(0, 200) + "..." : reply;
        if (kind.equals("XFER") && w[0].equals("OK") && w.length >= 6) {
            return new Op(pair.toString(), client, n, opens, kind, id, key, invoked, done, Outcome.OK,
                    Long.parseLong(w[5]), -1, null, shortReply, -1);
        }
        if (kind.equals("XFER") && w[0].equals("DUP")) {
            return new Op(pair.toString(), client, n, opens, kind, id, key, invoked, done, Outcome.OK, -1, -1, null,
                    shortReply, -1);
        }
        if (kind.equals("PUT") && w[0].equals("OK") && w.length == 5) {
            return new Op(pair.toString(), client, n, opens, kind, id, key, invoked, done, Outcome.OK,
                    Long.parseLong(w[4]), Long.parseLong(w[2]), identity(w[3]), shortReply, -1);
        }
        // ERR: the server refused it and changed nothing.
        return new Op(pair.toString(), client, n, opens, kind, id, key, invoked, done, Outcome.FAILED, -1, -1, null,
                shortReply, -1);
    }

    /** The part of a value that identifies its write. */
    static String identity(String value) {
        int tilde = value.indexOf('~');
        return tilde < 0 ? value : value.substring(0, tilde);
    }

    private long closeOpen() {
        if (open != null) {
            try {
                open.close();
            } catch (RuntimeException e) {
                // closed as far as this client is concerned: it never sends on it again
            }
            open = null;
        }
        return System.nanoTime();
    }

    @Override
    public void close() {
        closeOpen();
    }
}
