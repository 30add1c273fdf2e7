package org.openpair.bench;

/**
 * A bench node's cleanup (stop its CPUs, delete its logs), run exactly once: by {@link #close()}
 * or, if the run is interrupted (Ctrl-C), by a shutdown hook registered when this is made.
 *
 * <p>Used by {@link BenchNode} and {@link PairBenchNode}.
 */
final class BenchCleanup implements AutoCloseable {
    private final Runnable cleanup;
    private final Thread onExit;
    private boolean done;

    /** Registers {@code cleanup} to run at JVM exit, from a hook thread named {@code hookName}. */
    BenchCleanup(String hookName, Runnable cleanup) {
        this.cleanup = cleanup;
        this.onExit = new Thread(this::runOnce, hookName);
        Runtime.getRuntime().addShutdownHook(onExit);
    }

    /** Runs the cleanup now, unless it has run; it will not run again at exit. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException e) {
            // The JVM is exiting: the hook runs the cleanup.
        }
        runOnce();
    }

    private synchronized void runOnce() {
        if (done) {
            return;
        }
        done = true;
        cleanup.run();
    }
}
