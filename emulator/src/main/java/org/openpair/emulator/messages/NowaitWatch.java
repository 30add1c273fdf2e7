package org.openpair.emulator.messages;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.openpair.emulator.threads.SystemThreads;

/**
 * The threads of nowait WRITEREADs, shared by every open of the JVM: one sweeper looks at the
 * requests in flight every {@link #SWEEP_MILLIS} ms and hands those that waited a name
 * check's slice (a hung server) or reached their deadline to a resend thread; resend threads
 * also carry the requests whose first attempt failed. A request that is answered in time
 * touches neither: it costs a set insertion and removal, not a timer.
 */
final class NowaitWatch {
    /** How late a nowait request's timeout or name check may be noticed. */
    static final long SWEEP_MILLIS = 20;

    private static final Set<NowaitWriteRead> IN_FLIGHT = ConcurrentHashMap.newKeySet();
    private static final AtomicInteger RESEND_THREADS = new AtomicInteger();
    /** Unbounded like the requests it serves (each open bounds its own by its sync depth); idle threads end. */
    private static final ExecutorService RESENDS = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> SystemThreads.daemon(r, "nowait-resend-" + RESEND_THREADS.incrementAndGet()));

    static {
        SystemThreads.daemon(NowaitWatch::sweep, "nowait-sweeper").start();
    }

    private NowaitWatch() {
    }

    static void watch(NowaitWriteRead call) {
        IN_FLIGHT.add(call);
    }

    static void unwatch(NowaitWriteRead call) {
        IN_FLIGHT.remove(call);
    }

    static void resend(Runnable rest) {
        RESENDS.execute(rest);
    }

    private static void sweep() {
        for (;;) {
            try {
                Thread.sleep(SWEEP_MILLIS);
            } catch (InterruptedException e) {
                // A daemon of the JVM's life: nothing asks it to stop.
                continue;
            }
            long now = System.nanoTime();
            for (NowaitWriteRead call : IN_FLIGHT) {
                if (call.dueForWatch(now)) {
                    IN_FLIGHT.remove(call);
                    call.takeOverWaiting();
                }
            }
        }
    }
}
