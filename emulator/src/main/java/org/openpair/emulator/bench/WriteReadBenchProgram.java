package org.openpair.emulator.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import org.openpair.guardian.CheckpointResult;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.Receive;
import org.openpair.guardian.ReceivedRequest;
import org.openpair.guardian.RestartPolicy;

/**
 * The server pair {@code guardian bench writeread} sends its requests to: the primary creates
 * its backup on the CPU it is told, then reads $RECEIVE and answers every request the way the
 * exactly-once rule asks ({@link ReceivedRequest#reply(byte[], byte[])}): its state, a count of
 * the requests it executed, goes up by one, and the new count is the reply's checkpoint, so
 * every request is checkpointed to the backup (with its saved reply) before the reply leaves.
 * The backup applies those counts in {@link ProcessContext#awaitTakeover}, as a real backup
 * does. The primary never waits for a reply to leave before it reads the next request: replies
 * are pipelined on the checkpoint link, as a server with many openers needs.
 *
 * <p>Requests: the first byte says what to do, the rest is filler.
 * <ul>
 *   <li>{@value #ECHO}: execute (count it) and reply with the request's own bytes;</li>
 *   <li>{@value #TIMED}: the same, and time it inside the server, from READUPDATE's return until
 *       the reply has left (its checkpoint acknowledged by the backup): the part of a WRITEREAD
 *       spent in the server, kept per request size;</li>
 *   <li>{@value #STATS}: reply with {@link ServerStats} (nothing executed), then forget the
 *       timings;</li>
 *   <li>anything else, or an empty request: a refusal in words, nothing executed.</li>
 * </ul>
 *
 * <p>Argument: the backup's CPU. Public with a public constructor, as every hosted program must
 * be. Run: {@code ./guardian bench writeread}.
 */
public final class WriteReadBenchProgram implements GuardianProgram {
    static final char ECHO = 'E';
    static final char TIMED = 'T';
    static final char STATS = 'S';
    /** Replies may still be in flight while more requests are read: room for every bench client. */
    static final int RECEIVE_DEPTH = 1024;
    private static final Duration POLL = Duration.ofMillis(100);
    private static final long SETTLE_NANOS = Duration.ofSeconds(5).toNanos();

    private long executed;
    private final ServerStats.Counter counter = new ServerStats.Counter();

    public WriteReadBenchProgram() {
    }

    @Override
    public void run(ProcessContext ctx) {
        int backupCpu = Integer.parseInt(ctx.args().get(0));
        if (ctx.role() == PairRole.BACKUP) {
            try {
                ctx.awaitTakeover(bytes -> executed = ByteBuffer.wrap(bytes).getLong());
            } catch (GuardianException e) {
                return; // stopped as a backup at the end of the run
            }
            ctx.out().println("took over after " + executed + " requests");
        } else {
            ctx.createBackup(backupCpu, RestartPolicy.TEMPORARY);
            ctx.out().println("backup created on CPU " + backupCpu);
        }
        Receive receive = ctx.openReceive(RECEIVE_DEPTH, false);
        while (!ctx.isStopRequested()) {
            Optional<ReceivedRequest> next;
            try {
                next = receive.readUpdate(POLL);
            } catch (GuardianException e) {
                ctx.out().println("$RECEIVE closed: " + e.getMessage());
                return;
            }
            if (next.isPresent()) {
                serve(next.get(), System.nanoTime());
            }
        }
        ctx.out().println("stopped after " + executed + " requests");
    }

    private void serve(ReceivedRequest r, long readAt) {
        byte[] data = r.data();
        char op = data.length == 0 ? 0 : (char) data[0];
        switch (op) {
            case ECHO, TIMED -> {
                executed++;
                counter.executing();
                byte[] change = ByteBuffer.allocate(Long.BYTES).putLong(executed).array();
                CompletableFuture<CheckpointResult> sent = r.reply(data, change);
                boolean timed = op == TIMED;
                sent.whenComplete((result, failure) -> counter.replied(result, failure,
                        timed ? data.length : -1, System.nanoTime() - readAt));
            }
            case STATS -> {
                // The last echo's reply reached its client before its completion was counted here.
                counter.awaitCompleted(SETTLE_NANOS);
                byte[] stats = counter.snapshot(executed).encode();
                r.reply(stats);
            }
            default -> {
                counter.refused();
                r.reply(("refused: a bench request starts with " + ECHO + ", " + TIMED + " or " + STATS + ", not "
                        + (data.length == 0 ? "nothing" : "byte " + data[0])).getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    /**
     * What the server tells the driver: requests executed (its checkpointed state), how their
     * replies ended (checkpointed and sent; sent without a backup; failed), refusals, and the
     * in-server times of the {@value #TIMED} requests per request size.
     */
    record ServerStats(long executed, long replied, long noBackup, long failed, long refused,
                       TreeMap<Integer, Stats> timings) {
        private static final int MAGIC = 0x57524253; // "WRBS"

        byte[] encode() {
            ByteBuffer b = ByteBuffer.allocate(4 + 5 * 8 + 4 + timings.size() * (4 + 4 + 3 * 8));
            b.putInt(MAGIC).putLong(executed).putLong(replied).putLong(noBackup).putLong(failed).putLong(refused);
            b.putInt(timings.size());
            timings.forEach((size, s) -> b.putInt(size).putInt(s.n()).putLong(s.p50()).putLong(s.p99()).putLong(s.max()));
            return b.array();
        }

        static ServerStats decode(byte[] bytes) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            if (bytes.length < 48 || b.getInt() != MAGIC) {
                throw new IllegalArgumentException("not the bench server's statistics: "
                        + new String(bytes, StandardCharsets.UTF_8));
            }
            long executed = b.getLong();
            long replied = b.getLong();
            long noBackup = b.getLong();
            long failed = b.getLong();
            long refused = b.getLong();
            TreeMap<Integer, Stats> timings = new TreeMap<>();
            for (int i = b.getInt(); i > 0; i--) {
                timings.put(b.getInt(), new Stats(b.getInt(), b.getLong(), b.getLong(), b.getLong()));
            }
            return new ServerStats(executed, replied, noBackup, failed, refused, timings);
        }

        /** The counts as replies complete (on the link's threads) and the timings until the next snapshot. */
        static final class Counter {
            /** Requests this process executed (its state may have started higher, after a takeover). */
            private long executing;
            private long replied;
            private long noBackup;
            private long failed;
            private long refused;
            private final TreeMap<Integer, long[]> samples = new TreeMap<>();
            private final TreeMap<Integer, Integer> counts = new TreeMap<>();

            synchronized void replied(CheckpointResult result, Throwable failure, int timedSize, long nanos) {
                notifyAll();
                if (failure != null) {
                    failed++;
                    return;
                }
                if (result == CheckpointResult.OK) {
                    replied++;
                } else {
                    noBackup++;
                }
                if (timedSize >= 0) {
                    long[] s = samples.computeIfAbsent(timedSize, k -> new long[1024]);
                    int n = counts.getOrDefault(timedSize, 0);
                    if (n == s.length) {
                        s = Arrays.copyOf(s, n * 2);
                        samples.put(timedSize, s);
                    }
                    s[n] = nanos;
                    counts.put(timedSize, n + 1);
                }
            }

            synchronized void executing() {
                executing++;
            }

            /** Waits (bounded) until the reply of every request this process executed has completed. */
            synchronized void awaitCompleted(long timeoutNanos) {
                long end = System.nanoTime() + timeoutNanos;
                while (replied + noBackup + failed < executing) {
                    long left = end - System.nanoTime();
                    if (left <= 0) {
                        return;
                    }
                    try {
                        wait(Math.max(1, left / 1_000_000));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }

            synchronized void refused() {
                refused++;
            }

            /** The counts now and the timings taken since the last snapshot, which are then forgotten. */
            synchronized ServerStats snapshot(long executed) {
                TreeMap<Integer, Stats> timings = new TreeMap<>();
                counts.forEach((size, n) -> timings.put(size, Stats.of(Arrays.copyOf(samples.get(size), n))));
                samples.clear();
                counts.clear();
                return new ServerStats(executed, replied, noBackup, failed, refused, timings);
            }
        }
    }
}
