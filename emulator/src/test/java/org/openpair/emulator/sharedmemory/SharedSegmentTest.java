package org.openpair.emulator.sharedmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.os.NativeOs;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * The shared segment between real OS processes (JVMs running {@link SegmentWorker}), killed
 * with kill -9: rollback, owner death, unrecoverable state, and the invariant of two counters
 * under at least 100 random kills.
 */
class SharedSegmentTest {
    private static final long TOTAL = 1_000_000;
    private Path file;
    private final List<Worker> workers = new ArrayList<>();

    @BeforeEach
    void file() throws IOException {
        Path dir = Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
        file = dir.resolve("openpair-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
    }

    @AfterEach
    void clean() {
        workers.forEach(Worker::kill);
        SharedSegment.unlink(file);
    }

    /** A SegmentWorker JVM and the lines it prints. */
    private final class Worker {
        final Process process;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        Worker(String... args) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                    // jnr-ffi's reflective binding starts faster than its generated one: a worker lives a second.
                    "-Djnr.ffi.asm.enabled=false", "-cp",
                    System.getProperty("java.class.path"), SegmentWorker.class.getName(), file.toString(), "64"));
            cmd.addAll(List.of(args));
            process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            workers.add(this);
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        lines.add(l);
                    }
                } catch (IOException e) {
                    lines.add("EOF " + e);
                }
            }, "worker-out-" + process.pid());
            reader.setDaemon(true);
            reader.start();
        }

        void await(String line) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                String l = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (l == null) {
                    throw new AssertionError("worker " + process.pid() + " did not print " + line + " within 30 s");
                }
                if (l.startsWith("BROKEN") || l.contains("Exception")) {
                    throw new AssertionError("worker " + process.pid() + ": " + l);
                }
                if (l.equals(line)) {
                    return;
                }
            }
        }

        void kill() {
            try {
                if (process.isAlive()) {
                    NativeOs.get().kill(process.pid(), NativeOs.SIGKILL);
                }
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                process.destroyForcibly();
            }
        }
    }

    private SharedSegment seeded() {
        SharedSegment seg = SharedSegment.open(file, 64);
        try (SegmentLock l = seg.lock()) {
            l.putLong(0, TOTAL);
            l.putLong(8, 0);
            l.commit();
        }
        return seg;
    }

    @Test
    void closeWithoutCommit_rollsBack() {
        SharedSegment seg = seeded();
        try (SegmentLock l = seg.lock()) {
            assertThat(l.ownerDied()).isFalse();
            l.putLong(0, 1);
            l.put(16, new byte[]{1, 2, 3});
        }
        try (SegmentLock l = seg.lock()) {
            assertThat(l.getLong(0)).isEqualTo(TOTAL);
            assertThat(l.get(16, 3)).containsExactly(0, 0, 0);
        }
        assertThat(seg.commits()).isEqualTo(1);
    }

    @Test
    void holderKilledMidUpdate_nextHolderGetsOwnerDiedAndTheLastCommittedData() throws Exception {
        SharedSegment seg = seeded();
        Worker w = new Worker("half");
        w.await("MID");
        w.kill();
        assertThat(w.process.exitValue()).isEqualTo(128 + NativeOs.SIGKILL);
        try (SegmentLock l = seg.tryLock(Duration.ofSeconds(10)).orElseThrow()) {
            assertThat(l.ownerDied()).isTrue();
            assertThat(l.getLong(0)).isEqualTo(TOTAL);
            assertThat(l.getLong(8)).isZero();
            l.markConsistent();
        }
        assertThat(seg.recoveries()).isEqualTo(1);
        try (SegmentLock l = seg.lock()) {
            assertThat(l.ownerDied()).isFalse();
        }
    }

    @Test
    void notMarkingConsistent_makesTheSegmentUnrecoverableForEveryProcess() throws Exception {
        SharedSegment seg = seeded();
        Worker w = new Worker("hold");
        w.await("HELD");
        w.kill();
        try (SegmentLock l = seg.lock()) {
            assertThat(l.ownerDied()).isTrue();
        }   // unlocked without markConsistent
        assertThatThrownBy(seg::lock).isInstanceOfSatisfying(GuardianException.class,
                e -> assertThat(e.guardianError()).isEqualTo(GuardianError.NOT_RECOVERABLE));
        SharedSegment other = SharedSegment.open(file, 64);
        assertThatThrownBy(() -> other.tryLock(Duration.ZERO)).isInstanceOfSatisfying(GuardianException.class,
                e -> assertThat(e.error()).isEqualTo(4131));
    }

    @Test
    void badInput_getsItsGuardianError_andLeavesTheSegmentUsable() {
        SharedSegment seg = seeded();
        expect(GuardianError.INVALID_OPERATION, () -> SharedSegment.open(file.resolveSibling(file.getFileName() + "x"), 0));
        expect(GuardianError.INVALID_OPERATION, () -> SharedSegment.open(file.resolveSibling(file.getFileName() + "x"), -8));
        expect(GuardianError.INVALID_OPERATION, () -> SharedSegment.open(file.resolveSibling(file.getFileName() + "x"), 12));
        expect(GuardianError.IN_USE, () -> SharedSegment.open(file, 128));
        try (SegmentLock l = seg.lock()) {
            expect(GuardianError.BOUNDS, () -> l.putLong(60, 1));
            expect(GuardianError.BOUNDS, () -> l.getLong(-1));
            expect(GuardianError.BOUNDS, () -> l.put(0, new byte[65]));
            l.putLong(0, 5);
            l.commit();
        }
        try (SegmentLock l = seg.lock()) {
            assertThat(l.getLong(0)).isEqualTo(5);
            assertThat(l.getLong(8)).isZero();
        }
        assertThat(Files.exists(file.resolveSibling(file.getFileName() + "x"))).isFalse();
    }

    private static void expect(GuardianError error, Runnable call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(GuardianException.class,
                e -> assertThat(e.guardianError()).as(e.getMessage()).isEqualTo(error));
    }

    @Test
    void sumOfTwoCounters_holdsUnderAHundredRandomKills() throws Exception {
        SharedSegment seg = seeded();
        int slots = 4;
        int killsPerSlot = 25;
        AtomicInteger kills = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(slots);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int s = 0; s < slots; s++) {
                runs.add(pool.submit(() -> {
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    for (int k = 0; k < killsPerSlot; k++) {
                        Worker w = new Worker("transfer", String.valueOf(TOTAL));
                        w.await("READY");
                        Thread.sleep(rnd.nextInt(1, 40));
                        w.kill();
                        assertThat(w.process.exitValue()).as("worker exit (3: it saw a broken sum)")
                                .isEqualTo(128 + NativeOs.SIGKILL);
                        kills.incrementAndGet();
                        workers.remove(w);
                    }
                    return null;
                }));
            }
            for (Future<?> f : runs) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(kills.get()).isGreaterThanOrEqualTo(100);
        try (SegmentLock l = seg.lock()) {
            if (l.ownerDied()) {
                l.markConsistent();
            }
            assertThat(l.getLong(0) + l.getLong(8)).isEqualTo(TOTAL);
        }
        // Kills that landed inside the lock were rolled back by the next holder.
        assertThat(seg.recoveries()).isPositive();
        assertThat(seg.commits()).isGreaterThan(100);
    }
}
