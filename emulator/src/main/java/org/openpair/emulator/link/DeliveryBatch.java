package org.openpair.emulator.link;

import java.util.ArrayList;

/**
 * The writers that frames were queued on while this thread delivered one read's frames, flushed
 * together when the delivery ends. One cumulative ACK completes the checkpoints of many requests
 * at once, and each of those releases its reply on the requesters' connection: flushed one by
 * one, that was one write syscall per reply on the thread that had just read the ACK; deferred
 * to the end of the delivery, it is one write for all of them. A frame deferred here leaves
 * later than it would have, never earlier, so a reply still leaves only after its checkpoint's
 * ACK was read. Per thread: only the delivering thread defers, any other flushes at once.
 *
 * <p>Wake-ups are deferred the same way ({@link #wakeAfter}): a thread the frames feed (a
 * server reading $RECEIVE, a backup applying checkpoints) is woken once for all the frames of
 * one read, not once for each, which on 2 cores was a futex wake-up and a switch per request.
 */
public final class DeliveryBatch {
    private static final System.Logger LOG = System.getLogger(DeliveryBatch.class.getName());
    private static final ThreadLocal<DeliveryBatch> CURRENT = ThreadLocal.withInitial(DeliveryBatch::new);

    private final ArrayList<FrameWriter> deferred = new ArrayList<>(4);
    private final ArrayList<Runnable> wakes = new ArrayList<>(4);
    /** Deliveries under way on this thread: a dependent action may poll another link inside one. */
    private int depth;

    private DeliveryBatch() {
    }

    /** The calling thread starts delivering frames; pair with {@link #end()} in a finally. */
    static DeliveryBatch begin() {
        DeliveryBatch b = CURRENT.get();
        b.depth++;
        return b;
    }

    /** Flushes {@code out} now, or at the end of the delivery this thread is making. */
    static void flushOrDefer(FrameWriter out) {
        DeliveryBatch b = CURRENT.get();
        if (b.depth == 0) {
            out.flush();
        } else if (!b.deferred.contains(out)) {
            b.deferred.add(out);
        }
    }

    /**
     * Runs {@code wake} now, or once at the end of the delivery this thread is making, after its
     * frames have been flushed. Whatever the wake-up announces must already be visible to the
     * thread it wakes (queued under that thread's lock, say): only the signal waits. The same
     * object given twice in one delivery runs once.
     */
    public static void wakeAfter(Runnable wake) {
        DeliveryBatch b = CURRENT.get();
        if (b.depth == 0) {
            wake.run();
        } else if (!b.wakes.contains(wake)) {
            b.wakes.add(wake);
        }
    }

    /** The delivery is over: at the outermost end, every deferred writer is flushed, then every deferred wake-up run. */
    void end() {
        if (--depth > 0) {
            return;
        }
        // Indexed: a flush or a wake-up never defers (depth is 0 now), so the lists do not change under them.
        try {
            for (int i = 0; i < deferred.size(); i++) {
                deferred.get(i).flush();
            }
        } finally {
            deferred.clear();
            for (int i = 0; i < wakes.size(); i++) {
                try {
                    wakes.get(i).run();
                } catch (RuntimeException e) {
                    // The others must still run: a thread left asleep would hold its work until its next timeout.
                    LOG.log(System.Logger.Level.ERROR, "a wake-up after a link delivery failed", e);
                }
            }
            wakes.clear();
        }
    }
}
