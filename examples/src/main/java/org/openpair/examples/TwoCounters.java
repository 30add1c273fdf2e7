package org.openpair.examples;

import java.util.concurrent.ThreadLocalRandom;

import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.SegmentLayout;
import org.openpair.guardian.SegmentLayout.Field;
import org.openpair.guardian.SegmentLock;
import org.openpair.guardian.SharedSegment;

/**
 * The SAFplus robust-mutex example: processes of one machine keep two counters in shared
 * memory whose sum never changes, each moving a random amount from {@code a} to {@code b} under
 * the segment's lock, in two separate writes with a pause between them. Kill one with
 * {@code kill -9} in that pause and the counters are torn (a lowered, b not yet raised); the
 * next process to lock is told the owner died, finds the dead one's write undone, and the sum
 * is whole again. Run several as Java OS processes ({@code guardian run --java}) so a kill is a
 * real kill of a real process; {@code guardian demo counters} does that and kills one.
 *
 * <p>Args: {@code SEGMENT TOTAL ROUNDS PAUSE-MS}: the segment's name, the constant sum (the
 * first process to lock a fresh segment puts it all in {@code a}), how many moves to make
 * before ending, and the pause between the two writes, where a kill lands mid-update.
 *
 * <p>It logs {@code owner died: ...; rolled back: true; a + b = 1000 (...)} when it inherits a
 * dead holder's lock, {@code moved ...} every 50th move, and {@code done: ...} at the end.
 */
public final class TwoCounters implements GuardianProgram {
    /** The shared struct: the two counters, their constant sum, how many moves were committed, and who made the last. */
    public static final SegmentLayout LAYOUT = SegmentLayout.of(Field.int64("a"), Field.int64("b"), Field.int64("total"),
            Field.int64("moves"), Field.string("last", 64));

    @Override
    public void run(ProcessContext ctx) throws InterruptedException {
        String name = ctx.args().get(0);
        long total = Long.parseLong(ctx.args().get(1));
        int rounds = Integer.parseInt(ctx.args().get(2));
        long pause = Long.parseLong(ctx.args().get(3));
        SharedSegment segment = ctx.sharedSegment(name, LAYOUT);
        String me = ctx.self().descriptor(null);
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        ctx.out().println("started: " + me + " (pid " + ProcessHandle.current().pid() + ") on segment " + name);
        ctx.out().flush();
        int moved = 0;
        for (int i = 0; i < rounds && !ctx.isStopRequested(); i++) {
            try (SegmentLock lock = segment.lock()) {
                if (lock.getLong("total") == 0) {
                    lock.putLong("a", total);
                    lock.putLong("total", total);
                    lock.commit();
                }
                long a = lock.getLong("a");
                long b = lock.getLong("b");
                if (lock.ownerDied()) {
                    ctx.out().println("owner died: " + lock.deadHolder().map(Object::toString).orElse("unknown")
                            + "; rolled back: " + lock.rolledBack() + "; a + b = " + (a + b) + " (a=" + a + ", b=" + b + ")");
                    ctx.out().flush();
                }
                if (a + b != lock.getLong("total")) {
                    ctx.abend("invariant broken: " + a + " + " + b + " != " + lock.getLong("total"));
                    return;
                }
                long amount = rnd.nextLong(-b, a + 1);               // keeps both counters >= 0
                lock.putLong("a", a - amount);
                Thread.sleep(pause);                                 // a kill here leaves a torn pair
                lock.putLong("b", b + amount);
                lock.putLong("moves", lock.getLong("moves") + 1);
                lock.putString("last", me);
                lock.commit();
                moved++;
                if (moved % 50 == 0) {
                    ctx.out().println("moved " + moved + " times; a=" + (a - amount) + " b=" + (b + amount));
                    ctx.out().flush();
                }
            }
        }
        ctx.out().println("done: " + moved + " moves");
    }
}
