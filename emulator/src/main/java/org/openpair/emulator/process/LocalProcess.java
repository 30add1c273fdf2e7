package org.openpair.emulator.process;

import java.util.concurrent.CompletableFuture;

import org.openpair.emulator.metrics.ProcessCensus;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.Termination;

/**
 * A process running on this CPU, hosted or OS. It ends exactly once, through
 * {@link ProcessTable#retire}; {@link #ended} completes with its termination. A stop marks it
 * first, so whichever way it then ends is recorded as a stop by the killer.
 */
abstract class LocalProcess {
    final ProcessInfo info;
    /** The process's pair membership: set for hosted processes, which can be pair members. */
    volatile org.openpair.emulator.pairs.PairMember pair;
    /** The process's $RECEIVE: set for named hosted processes, the ones that can be opened. */
    volatile org.openpair.emulator.messages.ReceiveQueue receive;
    final CompletableFuture<Termination> ended = new CompletableFuture<>();
    private volatile boolean stopRequested;
    private volatile ProcessHandle killer;

    LocalProcess(ProcessInfo info) {
        this.info = info;
    }

    ProcessHandle handle() {
        return info.handle();
    }

    /** Runs the program; returns the published info (with the OS pid, if any). */
    abstract ProcessInfo start();

    /** Asks the process to end: interrupts a hosted program, SIGTERM to an OS process. */
    abstract void signalStop();

    /**
     * Ends the process regardless, after the grace time: SIGKILL to an OS process. Returns
     * true if the process will still report its end by itself (an OS process's reaper), false
     * if the caller must retire it (a hosted program whose threads ignore interrupts).
     */
    abstract boolean forceStop();

    /** Marks the process as being stopped; the first stop's killer is kept. */
    synchronized boolean markStopped(ProcessHandle by) {
        if (stopRequested) {
            return false;
        }
        killer = by;
        stopRequested = true;
        return true;
    }

    boolean stopRequested() {
        return stopRequested;
    }

    ProcessHandle killer() {
        return killer;
    }

    /** Writes a line about the process into its log (a hosted process's log is ours to write). */
    void note(String line) {
    }

    /** True when the calling thread is one of the process's own (which a stop interrupts). */
    boolean isOwnThread() {
        return false;
    }

    /** Releases what the process held locally (log file), after it has been retired. */
    abstract void release();

    /** Where the metrics' census counts it: stopping (or fenced), else its place in its pair. */
    ProcessCensus.State censusState() {
        org.openpair.emulator.pairs.PairMember member = pair;
        if (stopRequested || (member != null && member.isFenced())) {
            return ProcessCensus.State.STOPPING;
        }
        return switch (member == null ? PairRole.SINGLE : member.role()) {
            case PRIMARY -> ProcessCensus.State.PRIMARY;
            case BACKUP -> ProcessCensus.State.BACKUP;
            case SINGLE -> ProcessCensus.State.SINGLE;
        };
    }

    /** Where the metrics' census counts it by what it runs. */
    abstract ProcessCensus.Kind censusKind();

    /** {@code kill}: generates {@code signal} for the process; {@code sender} is null for the operator. */
    abstract void signal(org.openpair.guardian.Signal signal, ProcessHandle sender);
}
