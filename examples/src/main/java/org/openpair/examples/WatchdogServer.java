package org.openpair.examples;

import java.time.Duration;

import org.openpair.guardian.GuardianException;
import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.RestartPolicy;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.Takeover;

/**
 * A loop-timer watchdog pair. The primary re-arms its loop timer on every pass of its main loop
 * and checkpoints the pass number; after a number of passes it gets stuck in a pure CPU loop
 * (no call, no interrupt check), as a runaway bug would. The loop timer counts only CPU time,
 * so the healthy passes (which sleep between passes) never run it out; the stuck loop does
 * within the budget, SIGTIMEOUT's default action ends the primary with completion code -1, and
 * the backup takes over from the last checkpointed pass and carries on, healthy.
 *
 * <p>Arguments: the backup's CPU ({@code any} by default), the pass at which the primary gets
 * stuck (default 50), the loop-timer budget in hundredths of a second of CPU time (default 50).
 * Run it with
 * {@code guardian run --name dog --cpu 0 --hosted org.openpair.examples.WatchdogServer 1 50 50}
 * and watch {@code guardian status --ended} and the log.
 *
 * <p>Log lines: {@code pass N}, {@code stuck at pass N}, {@code took over at pass N (cause,
 * completion code C)}.
 */
public final class WatchdogServer implements GuardianProgram {
    private static final RestartPolicy POLICY = RestartPolicy.permanent(5, Duration.ofMinutes(1));

    @Override
    public void run(ProcessContext ctx) throws InterruptedException {
        int backupCpu = ctx.args().isEmpty() || ctx.args().get(0).equals("any")
                ? SpawnRequest.ANY_CPU : Integer.parseInt(ctx.args().get(0));
        long stuckAt = ctx.args().size() > 1 ? Long.parseLong(ctx.args().get(1)) : 50;
        int budget = ctx.args().size() > 2 ? Integer.parseInt(ctx.args().get(2)) : 50;
        while (!ctx.isStopRequested()) {
            if (ctx.role() == PairRole.BACKUP) {
                Takeover t = ctx.awaitTakeover(null);
                ctx.out().println("took over at pass " + pass(ctx) + " (" + t.cause() + ", completion code "
                        + (t.termination() == null ? "-" : t.termination().completionCode()) + ")");
                stuckAt = Long.MAX_VALUE;   // the new primary is the healthy one
                backupCpu = SpawnRequest.ANY_CPU;
            }
            try {
                ctx.createBackup(backupCpu, POLICY);
            } catch (GuardianException e) {
                ctx.out().println("no backup: " + e.oneLine());
            }
            try {
                work(ctx, stuckAt, budget);
            } catch (GuardianException e) {
                // 210: switched (now the backup: the loop waits for a takeover) or fenced (it ends).
                if (e.error() != 210 || ctx.role() != PairRole.BACKUP) {
                    throw e;
                }
                ctx.setLoopTimer(0);
                ctx.out().println("switched: now the backup");
            }
        }
    }

    private static void work(ProcessContext ctx, long stuckAt, int budget) throws InterruptedException {
        while (!ctx.isStopRequested()) {
            ctx.setLoopTimer(budget);                 // re-armed on every pass
            long pass = pass(ctx) + 1;
            ctx.state().putLong("pass", pass);        // checkpoint, then act
            ctx.out().println("pass " + pass);
            if (pass == stuckAt) {
                ctx.out().println("stuck at pass " + pass);
                spinForever(pass);
            }
            Thread.sleep(20);
        }
    }

    /** The runaway bug: a loop that never calls out and never looks at its interrupt flag. */
    private static long spinForever(long seed) {
        long x = seed;
        while (x != 0) {
            x = x * 6364136223846793005L + 1442695040888963407L;
        }
        return x;
    }

    private static long pass(ProcessContext ctx) {
        return ctx.state().getLong("pass").orElse(0L);
    }
}
