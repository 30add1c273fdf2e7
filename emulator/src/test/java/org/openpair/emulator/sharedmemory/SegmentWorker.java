package org.openpair.emulator.sharedmemory;

import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A separate OS process on a shared segment, for the tests. Args: file, data bytes, mode.
 * <ul>
 * <li>{@code transfer TOTAL}: forever moves a random amount between the longs at 0 and 8, under
 *     the lock, pausing between the two writes; exits 3 if it ever sees a sum other than TOTAL.
 *     Prints READY after its first transfer, and DIED n each time it inherits a dead holder's lock.</li>
 * <li>{@code half}: locks, writes only the first half of a transfer, prints MID, and waits to be killed.</li>
 * <li>{@code hold}: locks, prints HELD, and waits to be killed.</li>
 * <li>{@code warm}: locks, unlocks and exits (a run that records the class-data archive).</li>
 * </ul>
 */
public final class SegmentWorker {
    private SegmentWorker() {
    }

    public static void main(String[] args) throws InterruptedException {
        SharedSegment seg = SharedSegment.open(Path.of(args[0]), Integer.parseInt(args[1]));
        switch (args[2]) {
            case "transfer" -> transfer(seg, Long.parseLong(args[3]));
            case "half" -> {
                SegmentLock l = seg.lock();
                if (l.ownerDied()) {
                    l.markConsistent();
                }
                l.putLong(0, l.getLong(0) - 5);
                System.out.println("MID");
                System.out.flush();
                Thread.sleep(600_000);
            }
            case "warm" -> {
                try (SegmentLock l = seg.lock()) {
                    if (l.ownerDied()) {
                        l.markConsistent();
                    }
                }
                System.out.println("WARM");
            }
            case "hold" -> {
                seg.lock();
                System.out.println("HELD");
                System.out.flush();
                Thread.sleep(600_000);
            }
            default -> throw new IllegalArgumentException(args[2]);
        }
    }

    private static void transfer(SharedSegment seg, long total) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        boolean ready = false;
        while (true) {
            try (SegmentLock l = seg.lock()) {
                if (l.ownerDied()) {
                    System.out.println("DIED");
                    l.markConsistent();
                }
                long a = l.getLong(0);
                long b = l.getLong(8);
                if (a + b != total) {
                    System.out.println("BROKEN " + a + " + " + b + " != " + total);
                    System.out.flush();
                    System.exit(3);
                }
                long x = rnd.nextLong(-50, 51);
                l.putLong(0, a - x);
                long until = System.nanoTime() + rnd.nextLong(20_000, 200_000);
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
                l.putLong(8, b + x);
                l.commit();
            }
            if (!ready) {
                ready = true;
                System.out.println("READY");
                System.out.flush();
            }
        }
    }
}
