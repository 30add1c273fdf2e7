package org.openpair.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
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
 *   <li>{@value #TIMED}: the same, and time two parts of it per request size: the request's
 *       way, from the {@link System#nanoTime()} the requester wrote into bytes 1-8 just before
 *       its call until READUPDATE returned here (one clock: on Linux every JVM of the machine
 *       reads the same CLOCK_MONOTONIC), and the server's part, from READUPDATE's return until
 *       the reply has left (its checkpoint acknowledged by the backup);</li>
 *   <li>{@value #STATS}: reply with {@link WriteReadServerStats} (nothing executed), then forget
 *       the timings;</li>
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
    private final WriteReadServerStats.Counter counter = new WriteReadServerStats.Counter();

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
                if (op == TIMED && data.length >= 1 + Long.BYTES) {
                    counter.requestLeg(data.length, readAt - ByteBuffer.wrap(data, 1, Long.BYTES).getLong());
                    sent.whenComplete((result, failure) -> counter.replied(result, failure, data.length,
                            System.nanoTime() - readAt));
                } else {
                    sent.whenComplete((result, failure) -> counter.replied(result, failure, -1, 0));
                }
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
}
