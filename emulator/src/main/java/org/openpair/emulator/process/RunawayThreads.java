package org.openpair.emulator.process;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What happens to the threads of a hosted process that a signal ended: they are interrupted at
 * once and, if still alive after a grace time (a pure spin loop never looks at its interrupt
 * flag), stopped with {@code Thread.stop}. That call is deprecated because the victim unwinds
 * from wherever it is, releasing monitors over possibly inconsistent state; here the process has
 * already been retired and fenced, so the state it could leave half-changed is its own, which
 * nobody reads any more. Where the JVM no longer has it (Java 20 and later throw
 * UnsupportedOperationException) the threads are left running and logged as orphans, as after
 * a stop whose grace time ran out; such programs should be run as OS processes.
 */
final class RunawayThreads {
    private static final System.Logger LOG = System.getLogger(RunawayThreads.class.getName());
    static final long GRACE_MILLIS = 1000;

    private RunawayThreads() {
    }

    /** Interrupts the group now and stops, after the grace time, whatever of it still runs. */
    static void reclaim(ThreadGroup group, String descriptor, ScheduledExecutorService scheduler) {
        group.interrupt();
        try {
            scheduler.schedule(() -> stopSurvivors(group, descriptor), GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // The CPU is shutting down: its JVM or its processes go with it.
        }
    }

    @SuppressWarnings({"removal", "deprecation"})
    private static void stopSurvivors(ThreadGroup group, String descriptor) {
        Thread[] threads = new Thread[Math.max(4, group.activeCount() * 2)];
        int n = group.enumerate(threads, true);
        for (int i = 0; i < n; i++) {
            Thread t = threads[i];
            if (!t.isAlive()) {
                continue;
            }
            try {
                t.stop();
                LOG.log(System.Logger.Level.INFO, "{0}: stopped runaway thread {1}", descriptor, t.getName());
            } catch (UnsupportedOperationException e) {
                LOG.log(System.Logger.Level.WARNING, "{0}: thread {1} ignores its end and this JVM cannot stop it; "
                        + "left as an orphan", descriptor, t.getName());
            }
        }
    }
}
