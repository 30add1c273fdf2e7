package org.openpair.tests;

import org.openpair.guardian.Acquisition;
import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.RobustSemaphore;

/** Hosted programs for {@link SemaphoreIT}, run inside real CPU JVMs. */
public final class SemaphorePrograms {
    private SemaphorePrograms() {
    }

    /** Acquires one permit of semaphore args[0] and holds it until stopped. */
    public static final class Holds implements GuardianProgram {
        @Override
        public void run(ProcessContext ctx) throws InterruptedException {
            ctx.guardian().semaphore(ctx.args().get(0)).acquire(1);
            while (!ctx.isStopRequested()) {
                Thread.sleep(60_000);
            }
        }
    }

    /**
     * Waits for one permit of semaphore args[0], then records in its protected state whether it
     * was told the owner died and how many dead owners it was given, marks it consistent, and
     * holds on until stopped.
     */
    public static final class WaitsAndReports implements GuardianProgram {
        @Override
        public void run(ProcessContext ctx) throws InterruptedException {
            RobustSemaphore sem = ctx.guardian().semaphore(ctx.args().get(0));
            Acquisition a = sem.acquire(1);
            sem.update().putLong("ownerDied", a.ownerDied() ? 1 : 0).putLong("deadOwners", a.deadOwners().size())
                    .commit();
            sem.markConsistent();
            while (!ctx.isStopRequested()) {
                Thread.sleep(60_000);
            }
        }
    }
}
