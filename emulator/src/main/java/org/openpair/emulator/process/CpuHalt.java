package org.openpair.emulator.process;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;

import org.openpair.emulator.events.Event;
import org.openpair.emulator.events.EventLog;
import org.openpair.emulator.timers.LoopTimers;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.Termination;
import org.openpair.guardian.TerminationCause;

/**
 * The ends that take every process of this CPU, or every primary: a fence after the quorum is
 * lost, a halt while merging back after a split, an orderly shutdown, and a simulated crash.
 * It holds the CPU's down state, which {@link ProcessTable#retire} reads to know whether an end
 * is written to the tables, and creation reads to refuse a new process.
 */
final class CpuHalt {
    /** Logs as the process table, where these lines always were. */
    private static final System.Logger LOG = System.getLogger(ProcessTable.class.getName());

    private final int cpu;
    private final ProcessTable table;
    private final Map<Integer, LocalProcess> live;
    private final EndRecords ends;
    private final ExecutorService spawner;
    private final ScheduledExecutorService pairWork;
    private final ExecutorService recorder;
    private final LoopTimers loopTimers;
    private final AttachSocket attachSocket;
    private volatile boolean crashed;
    /** Set while halting after a split: ends are not written to the tables. */
    private volatile boolean silent;
    /** Processes halted during a merge whose ends are to be recorded once it is done. */
    private final ConcurrentLinkedQueue<LocalProcess> halted = new ConcurrentLinkedQueue<>();

    /** @param live the table's processes, ended here through {@link ProcessTable#retire} */
    CpuHalt(int cpu, ProcessTable table, Map<Integer, LocalProcess> live, EndRecords ends, ExecutorService spawner,
            ScheduledExecutorService pairWork, ExecutorService recorder, LoopTimers loopTimers,
            AttachSocket attachSocket) {
        this.cpu = cpu;
        this.table = table;
        this.live = live;
        this.ends = ends;
        this.spawner = spawner;
        this.pairWork = pairWork;
        this.recorder = recorder;
        this.loopTimers = loopTimers;
        this.attachSocket = attachSocket;
    }

    /** From {@link #freeze} or {@link #crash} on: no process of this CPU acts, none is created. */
    boolean crashed() {
        return crashed;
    }

    /** True during {@link #haltAfterSplit}. */
    boolean silent() {
        return silent;
    }

    /** See {@link ProcessTable#fencePrimaries}. */
    void fencePrimaries(String reason) {
        for (LocalProcess p : new ArrayList<>(live.values())) {
            if (p.pair != null && p.pair.role() == PairRole.PRIMARY) {
                fence(p, reason);
            }
        }
    }

    /** See {@link ProcessTable#haltAfterSplit}. */
    void haltAfterSplit(String reason) {
        silent = true;
        try {
            for (LocalProcess p : new ArrayList<>(live.values())) {
                p.markStopped(null);
                if (p.pair != null) {
                    p.pair.markFenced();
                }
                p.note("halted: " + reason);
                p.signalStop();
                if (p instanceof OsProcess) {
                    p.forceStop();
                }
                table.retire(p, TerminationCause.CPU_DOWN, -1, 0, reason);
                halted.add(p);
            }
        } finally {
            silent = false;
        }
    }

    /** See {@link ProcessTable#recordHalted}. */
    void recordHalted() {
        LocalProcess p;
        while ((p = halted.poll()) != null) {
            Termination t = p.ended.getNow(null);
            if (t != null) {
                ends.record(p, t);
            }
        }
    }

    /** Ends a pair member that may no longer act as such: completion code 6, cause FENCED. */
    void fence(LocalProcess p, String reason) {
        if (p.ended.isDone()) {
            return;
        }
        p.pair.markFenced();
        LOG.log(System.Logger.Level.WARNING, "{0} fenced: {1}", p.info.descriptor(), reason);
        EventLog.emit(p.handle().node(), p.handle().cpu(), new Event.Fence(p.handle(),
                p.info.name() == null ? null : p.info.name().toString(), reason));
        p.note("fenced: " + reason);
        table.retire(p, TerminationCause.FENCED, -1, 0, reason);
        p.signalStop();
    }

    /** See {@link ProcessTable#shutdown}. */
    void shutdown(String reason) {
        List<LocalProcess> all = new ArrayList<>(live.values());
        for (LocalProcess p : all) {
            p.markStopped(null);
            table.retire(p, TerminationCause.CPU_DOWN, -1, 0, reason);
            p.signalStop();
            if (p instanceof OsProcess) {
                p.forceStop();
            }
        }
        spawner.shutdownNow();
        pairWork.shutdownNow();
        recorder.shutdown();
        loopTimers.close();
        attachSocket.close();
    }

    /** See {@link ProcessTable#freeze}. */
    void freeze() {
        crashed = true;
        for (LocalProcess p : live.values()) {
            if (p.pair != null) {
                p.pair.markFenced();
            }
        }
    }

    /** See {@link ProcessTable#crash}. */
    void crash() {
        crashed = true;
        for (LocalProcess p : new ArrayList<>(live.values())) {
            p.markStopped(null);
            if (p.pair != null) {
                p.pair.markFenced();
            }
            p.signalStop();
            if (p instanceof OsProcess) {
                p.forceStop();
            }
            table.retire(p, TerminationCause.CPU_DOWN, -1, 0, "CPU " + cpu + " crashed");
        }
        spawner.shutdownNow();
        pairWork.shutdownNow();
        recorder.shutdownNow();
        loopTimers.close();
        attachSocket.close();
    }
}
