package org.openpair.emulator.semaphores;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.openpair.guardian.Acquisition;
import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.RestartPolicy;
import org.openpair.guardian.RobustSemaphore;

/** Hosted programs that use a robust semaphore; what they saw goes to {@link #SEEN} by tag. */
public final class SemPrograms {
    /** Tag → what the program observed ("held", "midUpdate", the backup's holding, ...). */
    public static final Map<String, Object> SEEN = new ConcurrentHashMap<>();

    private SemPrograms() {
    }

    /**
     * Args: semaphore, tag. Commits a=100, b=0 (once), then moves 10 from a to b in a second
     * update, and abends after collecting the second update's changes but before committing it.
     */
    public static final class AbendsMidUpdate implements GuardianProgram {
        @Override
        public void run(ProcessContext ctx) {
            RobustSemaphore sem = ctx.guardian().semaphore(ctx.args().get(0));
            sem.acquire(1);
            sem.update().putLong("a", 100).putLong("b", 0).commit();
            var half = sem.update().putLong("a", 90);
            SEEN.put(ctx.args().get(1), "midUpdate");
            half.putLong("b", 10);
            ctx.abend("dies between the two halves of a transfer");
            throw new IllegalStateException("abend returned");
        }
    }

    /**
     * A pair whose primary holds one permit of semaphore args[0]; its backup (on CPU args[1])
     * publishes what it holds after taking over, under tag args[2].
     */
    public static final class PairHolder implements GuardianProgram {
        @Override
        public void run(ProcessContext ctx) throws InterruptedException {
            RobustSemaphore sem = ctx.guardian().semaphore(ctx.args().get(0));
            if (ctx.role() == PairRole.BACKUP) {
                ctx.awaitTakeover(bytes -> { });
                Acquisition a = sem.holding();
                SEEN.put(ctx.args().get(2), a);
            } else {
                sem.acquire(1);
                ctx.createBackup(Integer.parseInt(ctx.args().get(1)), RestartPolicy.TEMPORARY);
                SEEN.put(ctx.args().get(2) + "-primary", ctx.self());
            }
            while (!ctx.isStopRequested()) {
                Thread.sleep(60_000);
            }
        }
    }
}
