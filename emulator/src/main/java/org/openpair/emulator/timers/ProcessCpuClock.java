package org.openpair.emulator.timers;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;

/**
 * The CPU time of a hosted process: the sum, over the threads of its thread group, of each
 * thread's CPU time (ThreadMXBean), plus what the threads that have ended had used when last
 * seen, so the figure never goes down when a thread ends. The CPU a thread used between its
 * last sample and its end is missed; sampling every few milliseconds bounds that.
 *
 * <p>Not thread-safe: one sampler (the CPU's loop-timer thread) owns it.
 */
public final class ProcessCpuClock {
    private static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final com.sun.management.ThreadMXBean BATCH =
            THREADS instanceof com.sun.management.ThreadMXBean b ? b : null;

    static {
        if (THREADS.isThreadCpuTimeSupported() && !THREADS.isThreadCpuTimeEnabled()) {
            THREADS.setThreadCpuTimeEnabled(true);
        }
    }

    private final ThreadGroup group;
    private Map<Long, Long> lastSeen = new HashMap<>();
    private long ended;
    private Thread[] scratch = new Thread[8];

    public ProcessCpuClock(ThreadGroup group) {
        this.group = group;
    }

    /** True when this JVM can measure thread CPU time (a loop timer needs it). */
    public static boolean isSupported() {
        return THREADS.isThreadCpuTimeSupported();
    }

    /** The process's CPU time so far, in nanoseconds; never less than an earlier result. */
    public long nanos() {
        int n;
        while ((n = group.enumerate(scratch, true)) == scratch.length) {
            scratch = new Thread[scratch.length * 2];
        }
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = scratch[i].getId();
            scratch[i] = null;
        }
        long[] times;
        if (BATCH != null) {
            times = BATCH.getThreadCpuTime(ids);
        } else {
            times = new long[n];
            for (int i = 0; i < n; i++) {
                times[i] = THREADS.getThreadCpuTime(ids[i]);
            }
        }
        Map<Long, Long> seen = new HashMap<>(n * 2);
        long live = 0;
        for (int i = 0; i < n; i++) {
            if (times[i] >= 0) {
                seen.put(ids[i], times[i]);
                live += times[i];
            }
        }
        for (Map.Entry<Long, Long> e : lastSeen.entrySet()) {
            if (!seen.containsKey(e.getKey())) {
                ended += e.getValue();
            }
        }
        lastSeen = seen;
        return ended + live;
    }
}
