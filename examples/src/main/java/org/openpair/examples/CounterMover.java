package org.openpair.examples;

import java.util.concurrent.ThreadLocalRandom;

import org.openpair.guardian.Acquisition;
import org.openpair.guardian.DeathPolicy;
import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.ProtectedState;
import org.openpair.guardian.RobustSemaphore;

/**
 * Moves random amounts between two counters whose sum must stay {@link #TOTAL}, under the
 * robust semaphore {@code movers} (one permit), as a transaction on the state the semaphore
 * protects. Run several on different CPUs and stop or kill them at random (the demo does): a
 * mover that dies between reading and committing leaves the last committed counters, the next
 * mover is told its predecessor died, checks the invariant and marks the state consistent.
 *
 * <p>Args: {@code [pause-millis]} (default 5), the time a mover holds the permit mid-transfer,
 * which is where a kill most likely lands.
 */
public final class CounterMover implements GuardianProgram {
    /** The constant sum of the two counters. */
    public static final long TOTAL = 1_000;

    @Override
    public void run(ProcessContext ctx) throws InterruptedException {
        long pause = ctx.args().isEmpty() ? 5 : Long.parseLong(ctx.args().get(0));
        RobustSemaphore sem = ctx.guardian().semaphoreCreate("movers", 1, DeathPolicy.RELEASE);
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        while (!ctx.isStopRequested()) {
            Acquisition a = sem.acquire(1);
            try {
                ProtectedState s = sem.state();
                long left = s.getLong("left").orElse(TOTAL);
                long right = s.getLong("right").orElse(0);
                if (left + right != TOTAL) {
                    ctx.abend("invariant broken: " + left + " + " + right + " != " + TOTAL);
                    return;
                }
                if (a.ownerDied()) {
                    // The dead mover's half-done transfer never reached the state: nothing to repair.
                    ctx.out().println("owner died (" + a.deadOwners() + "); counters " + left + " + " + right + " intact");
                    sem.markConsistent();
                }
                long amount = rnd.nextLong(-left, right + 1) * -1;    // keeps both counters >= 0
                var tx = sem.update().putLong("left", left - amount);
                Thread.sleep(pause);                                   // a kill here loses nothing
                tx.putLong("right", right + amount).commit();
            } finally {
                if (sem.holding().permits() > 0) {
                    sem.release(1);
                }
            }
        }
    }
}
