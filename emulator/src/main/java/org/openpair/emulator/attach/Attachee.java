package org.openpair.emulator.attach;

import org.openpair.guardian.ProcessContext;

/**
 * The CPU's side of one Java OS process: what the attach socket serves its calls from, and
 * whom it tells how the connection ended. Implemented by the process table's entry for the
 * process, so an attached process is served by the same objects as a hosted one.
 */
public interface Attachee {

    /** The procedures the process's calls run against, as that process. */
    ProcessContext context();

    /** The child proved the secret; from now on {@code attachment} reaches it. */
    void attached(Attachment attachment);

    /**
     * The program's run ended in the child ({@code abended}: it threw or called abend), as the
     * child reported before exiting. Called on the connection's reader thread.
     */
    void ended(boolean abended, String detail);

    /**
     * The connection is gone without the program having ended: the process died (kill -9, a
     * crash), closed it, or broke the protocol. This counts as its death.
     *
     * @param byPeer true when the child's side closed it (the exit status may say more and is
     *               worth a moment's wait); false when the CPU is closing it for a protocol
     *               breach (called before the close, so the breach is what is recorded)
     */
    void lost(String why, boolean byPeer);

    /**
     * A signal's default action ended the process in its own JVM, where its signal state lives:
     * recorded as the same death a hosted process's would be (SIGTIMEOUT: completion code -1),
     * then the process is killed. {@code sender} is null for the system or the operator.
     */
    void signalled(org.openpair.guardian.Signal signal, org.openpair.guardian.ProcessHandle sender);

    /**
     * The child's signal thread has taken a signal the CPU routed to it (it acknowledges
     * SIGTIMEOUT, whose default the CPU enforces itself if the JVM does not take it in time).
     */
    void signalTaken(org.openpair.guardian.Signal signal);

    /** The attached child, as the CPU reaches it. */
    interface Attachment {
        /** Tells the program a stop was requested: its isStopRequested turns true, its main thread is interrupted. */
        void requestStop();

        /** Hands a signal generated for the process to the child, which acts on it with its own signal state. */
        void signal(org.openpair.guardian.Signal signal, org.openpair.guardian.ProcessHandle sender);

        /** Closes the connection (the process has ended). Idempotent. */
        void close();
    }
}
