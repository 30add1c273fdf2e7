package org.openpair.examples;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import org.openpair.guardian.CheckpointResult;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.Receive;
import org.openpair.guardian.ReceivedRequest;
import org.openpair.guardian.RestartPolicy;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.Takeover;

/**
 * A checkpointing counter, the smallest process pair: the primary raises a counter held in
 * the checkpointed state and logs each value once its backup holds it; the backup applies the
 * checkpoints and, when the primary dies, takes over from the last acknowledged value and
 * creates a new backup of its own.
 *
 * <p>Arguments: the backup's CPU ({@code any} for any other CPU, the default), and the pause
 * between increments in milliseconds (default 200). Run it with
 * {@code guardian run --name ctr --cpu 0 --hosted org.openpair.examples.CounterServer 1 200}.
 *
 * <p>The log lines are the example's interface: {@code counter N held by backup},
 * {@code counter N (no backup)}, {@code took over at counter N}.
 *
 * <p>It also serves $RECEIVE, for {@link CounterClient}: {@code get} answers {@code counter N};
 * {@code next} raises the counter and answers the new value, the change checkpointed with the
 * reply, so no number is handed out twice, whatever takeover happens.
 */
public final class CounterServer implements GuardianProgram {
    /** Re-create a dead backup, at most 5 times a minute. */
    private static final RestartPolicy POLICY = RestartPolicy.permanent(5, Duration.ofMinutes(1));

    @Override
    public void run(ProcessContext ctx) throws InterruptedException {
        int backupCpu = ctx.args().isEmpty() || ctx.args().get(0).equals("any")
                ? SpawnRequest.ANY_CPU : Integer.parseInt(ctx.args().get(0));
        long pauseMillis = ctx.args().size() > 1 ? Long.parseLong(ctx.args().get(1)) : 200;
        while (!ctx.isStopRequested()) {
            if (ctx.role() == PairRole.BACKUP) {
                Takeover t = ctx.awaitTakeover(null);
                ctx.out().println("took over at counter " + counter(ctx) + " (" + t.cause() + ", epoch " + t.epoch() + ")");
                // The old primary's CPU is the natural place for the new backup, but any other will do.
                backupCpu = SpawnRequest.ANY_CPU;
            }
            ensureBackup(ctx, backupCpu);
            serve(ctx, pauseMillis);
            if (ctx.role() != PairRole.BACKUP) {
                // Not switched but refused (210): fenced, the pair moved on; it is being stopped.
                return;
            }
        }
    }

    private static void ensureBackup(ProcessContext ctx, int cpu) {
        try {
            var backup = ctx.createBackup(cpu, POLICY);
            ctx.out().println("backup created on CPU " + backup.cpu());
        } catch (GuardianException e) {
            // No other CPU, or one exists already: go on; the restart policy retries at CPU up.
            ctx.out().println("no backup: " + e.oneLine());
        }
    }

    /** Counts until stopped, or until a switch makes this process the backup. */
    private static void serve(ProcessContext ctx, long pauseMillis) throws InterruptedException {
        Receive receive = ctx.openReceive(8, false);
        while (!ctx.isStopRequested()) {
            long next = counter(ctx) + 1;
            CheckpointResult r;
            try {
                r = ctx.state().putLong("counter", next);
            } catch (GuardianException e) {
                if (e.error() == 210) {
                    ctx.out().println(ctx.role() == PairRole.BACKUP ? "switched: now the backup" : "fenced: ending");
                    return;
                }
                throw e;
            }
            ctx.out().println("counter " + next + (r == CheckpointResult.OK ? " held by backup" : " (no backup)"));
            if (!answerFor(ctx, receive, pauseMillis)) {
                ctx.out().println(ctx.role() == PairRole.BACKUP ? "switched: now the backup" : "fenced: ending");
                return;
            }
        }
    }

    /** Answers requests for the pause between two increments; false if this process is no longer the primary. */
    private static boolean answerFor(ProcessContext ctx, Receive receive, long pauseMillis) {
        long end = System.nanoTime() + pauseMillis * 1_000_000;
        for (long left = pauseMillis * 1_000_000; left > 0 && !ctx.isStopRequested(); left = end - System.nanoTime()) {
            if (ctx.role() != PairRole.PRIMARY) {
                return false;
            }
            Optional<ReceivedRequest> next;
            try {
                next = receive.readUpdate(Duration.ofNanos(left));
            } catch (GuardianException e) {
                // 210: a switch made this process the backup at this read (its safe point), or it was fenced.
                if (e.error() == 210) {
                    return false;
                }
                throw e;
            }
            if (next.isEmpty()) {
                continue;
            }
            ReceivedRequest r = next.get();
            String op = new String(r.data(), StandardCharsets.UTF_8).trim();
            if (op.equals("next")) {
                long value = counter(ctx) + 1;
                r.reply(text("counter " + value), Map.of("counter", Long.toString(value)));
            } else if (op.equals("get")) {
                r.reply(text("counter " + counter(ctx)));
            } else {
                r.reply(text("ERR unknown request (get, next)"));
            }
        }
        return true;
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static long counter(ProcessContext ctx) {
        return ctx.state().getLong("counter").orElse(0L);
    }
}
