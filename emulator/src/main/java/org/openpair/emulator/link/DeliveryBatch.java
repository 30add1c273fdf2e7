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
 */
final class DeliveryBatch {
    private static final ThreadLocal<DeliveryBatch> CURRENT = ThreadLocal.withInitial(DeliveryBatch::new);

    private final ArrayList<FrameWriter> deferred = new ArrayList<>(4);
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

    /** The delivery is over: at the outermost end, every deferred writer is flushed. */
    void end() {
        if (--depth > 0) {
            return;
        }
        // Indexed: a flush never defers (depth is 0 now), so the list does not change under it.
        for (int i = 0; i < deferred.size(); i++) {
            deferred.get(i).flush();
        }
        deferred.clear();
    }
}
