package org.openpair.emulator.sharedmemory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

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
 * <li>{@code churn}: moves 1 from a to b over and over, its two writes 200 µs apart (shorter
 *     than a kill aimed at a holder seen mid-update may take to land), then about 1 ms unlocked,
 *     until killed.</li>
 * </ul>
 */
public final class TypedWorker {
    static final SegmentLayout LAYOUT = SegmentLayout.of(Field.int64("a"), Field.int64("b"), Field.int32("n"),
            Field.bytes("raw", 5), Field.string("note", 20));

    private TypedWorker() {
    }

    /** Starts a worker JVM on segment {@code name} of {@code node}; its output goes to this one's, by pid. */
    static Process start(String node, String name, String mode) throws IOException {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Djnr.ffi.asm.enabled=false", "-cp",
                System.getProperty("java.class.path"), TypedWorker.class.getName(), node, name, mode);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Thread out = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                r.lines().forEach(line -> System.out.println("worker " + p.pid() + ": " + line));
            } catch (IOException e) {
                // The worker was killed: its output ends.
            }
        });
        out.setDaemon(true);
        out.start();
        return p;
    }

    public static void main(String[] args) throws InterruptedException {
        TypedSegment seg = TypedSegment.open(args[0], args[1], LAYOUT, new ProcessHandle(args[0], 3, 42, 777));
        if (args[2].equals("churn")) {
            churn(seg);
            return;
        }
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

    private static void churn(TypedSegment seg) throws InterruptedException {
        for (int i = 0; i < 1_000_000; i++) {          // over 1 ms each: far longer than any test waits
            try (SegmentLock l = seg.lock()) {
                l.putLong("a", l.getLong("a") - 1);
                long until = System.nanoTime() + 200_000;
                while (System.nanoTime() - until < 0) {
                    Thread.onSpinWait();
                }
                l.putLong("b", l.getLong("b") + 1);
                l.commit();
            }
            Thread.sleep(1);
        }
    }
}
