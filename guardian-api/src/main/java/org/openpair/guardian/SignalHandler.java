package org.openpair.guardian;

/**
 * A caught signal's handler. It runs on the process's <em>signal thread</em>, not on the thread
 * the signal interrupted (Java cannot run code on another thread's stack): see
 * {@link Signals} for the delivery and race rules.
 */
@FunctionalInterface
public interface SignalHandler {
    /**
     * Handles one delivery. While it runs, {@code signal} is blocked (as with POSIX
     * {@code sigaction} without SA_NODEFER), so a second one stays pending until it returns.
     * An exception it throws is logged in the process's log and the process goes on.
     */
    void handle(Signal signal);
}
