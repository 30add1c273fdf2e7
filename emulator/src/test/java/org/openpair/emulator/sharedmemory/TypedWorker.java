package org.openpair.emulator.sharedmemory;

import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.SegmentLayout;
import org.openpair.guardian.SegmentLayout.Field;
import org.openpair.guardian.SegmentLock;

/**
 * A separate OS process on a typed segment, for {@link TypedSegmentTest}. Args: node, name, mode.
 * It records itself as process 3,42 (verifier 777) of the node.
 * <ul>
 * <li>{@code half}: locks, moves 5 from a to b with only the write of a done, prints MID, and
 *     waits to be killed.</li>
 * <li>{@code committed}: locks, moves 5 from a to b and commits, prints DONE, and waits to be
 *     killed still holding the lock.</li>
 * </ul>
 */
public final class TypedWorker {
    static final SegmentLayout LAYOUT = SegmentLayout.of(Field.int64("a"), Field.int64("b"), Field.int32("n"),
            Field.bytes("raw", 5), Field.string("note", 20));

    private TypedWorker() {
    }

    public static void main(String[] args) throws InterruptedException {
        TypedSegment seg = TypedSegment.open(args[0], args[1], LAYOUT, new ProcessHandle(args[0], 3, 42, 777));
        SegmentLock l = seg.lock();
        l.putLong("a", l.getLong("a") - 5);
        switch (args[2]) {
            case "half" -> System.out.println("MID");
            case "committed" -> {
                l.putLong("b", l.getLong("b") + 5);
                l.commit();
                System.out.println("DONE");
            }
            default -> throw new IllegalArgumentException(args[2]);
        }
        System.out.flush();
        Thread.sleep(600_000);
    }
}
