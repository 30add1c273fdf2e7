package org.openpair.emulator.semaphores;

import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.openpair.emulator.node.CpuRouter;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.threads.SystemThreads;
import org.openpair.guardian.Termination;

/**
 * One CPU's part in freeing the permits of dead holders. It listens to the node's death
 * records ({@code openpair.terminations}), which every death reaches: a process's own CPU writes
 * it on any end of the process (exit, abend, stop, {@code kill -9} seen by waitpid), and the
 * survivors write it for each process of a lost CPU. A CPU handles the deaths of its own
 * processes; the deaths of a lost CPU's processes are handled by every survivor (the updates
 * are idempotent, so the duplicates cost a no-op each and no death depends on one survivor).
 *
 * <p>Why the death record and not a hook in the process table: it is the one place both kinds
 * of death meet, it is written before the dead process's name is freed or handed over, and it
 * keeps this package out of the process table. It costs one event hop (about 0.1-0.3 ms on one
 * machine) over a direct call.
 */
public final class SemaphoreReaper implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SemaphoreReaper.class.getName());

    private final NodeTables tables;
    private final int self;
    private final CpuRouter router;
    private final ExecutorService worker;
    private final UUID registration;

    private SemaphoreReaper(NodeTables tables, int self, CpuRouter router) {
        this.tables = tables;
        this.self = self;
        this.router = router;
        this.worker = Executors.newSingleThreadExecutor(r -> SystemThreads.daemon(r, "cpu" + self + "-sem-reaper"));
        this.registration = tables.terminations().onAdded((key, t) -> deathRecorded(t));
    }

    /** Starts CPU {@code self}'s reaper. */
    public static SemaphoreReaper start(NodeTables tables, int self, CpuRouter router) {
        return new SemaphoreReaper(tables, self, router);
    }

    /** A death record was added (on an engine thread). */
    private void deathRecorded(Termination t) {
        if (t == null) {
            return;
        }
        try {
            worker.execute(() -> handle(t));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // This CPU is leaving: the survivors (or a waiter's re-check) free what the dead held.
        }
    }

    private void handle(Termination t) {
        int cpu = t.process().cpu();
        try {
            if (cpu == self || !router.isUp(cpu)) {
                HolderDeaths.apply(tables, t, self);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "CPU {0}: could not free the semaphores of {1}: {2}", self,
                    t.process(), e.toString());
        }
    }

    @Override
    public void close() {
        try {
            if (tables.engine().isRunning()) {
                tables.terminations().stopListening(registration);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "CPU {0}: reaper listener not removed: {1}", self, e.toString());
        }
        worker.shutdownNow();
    }
}
