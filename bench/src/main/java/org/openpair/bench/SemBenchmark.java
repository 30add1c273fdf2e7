package org.openpair.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.openpair.emulator.os.NativeException;
import org.openpair.emulator.os.NativeOs;
import org.openpair.emulator.os.RobustMutexes;
import org.openpair.emulator.os.SyncBaselines;
import org.openpair.emulator.sharedmemory.SegmentLock;
import org.openpair.emulator.sharedmemory.SharedSegment;
import org.openpair.guardian.DeathPolicy;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.Program;
import org.openpair.guardian.RobustSemaphore;
import org.openpair.guardian.SpawnRequest;

/**
 * {@code guardian bench sem}: the robust semaphores next to the primitives they replace, in
 * three reports. <b>Local</b> (ns per lock+unlock, uncontended, one thread): the shared
 * segment's lock and a whole transaction against a plain robust pthread mutex, a POSIX named
 * semaphore and a System V semaphore with SEM_UNDO. <b>Recovery</b> (from the {@code kill -9}
 * of the holder, a separate JVM, to a waiter holding): shared segment and System V SEM_UNDO;
 * the POSIX named semaphore's waiter is only reported as still blocked after a bounded wait.
 * <b>Cluster</b> (2 CPUs in this JVM): acquire+release of the cluster semaphore against
 * the {@value Floors#IMAP_SET} floor ({@link Floors}: IMap.set with one sync backup from CPU 0 of
 * keys CPU 1 owns, one set after each acquire+release), and the recovery after the kill -9 of an
 * OS process that holds it, against the same floor.
 *
 * <p>Thread models: an acquire or release is a Hazelcast operation its caller parks on until the
 * owner (and its backup) answered, as the caller of {@code IMap.set} does, so the cluster cases
 * divide by {@value Floors#IMAP_SET}. The local and recovery reports compare with the OS
 * primitives the semaphores replace, in the same thread (no network, so no TCP or Hazelcast floor
 * applies).
 */
public final class SemBenchmark {
    /** How much to measure. */
    public record Counts(int localBatches, int batchOps, int recoveries, int clusterOps, int clusterRecoveries) {
        public static Counts full() {
            return new Counts(100, 10_000, 50, 2000, 10);
        }

        public static Counts smoke() {
            return new Counts(20, 1000, 2, 100, 2);
        }
    }

    private static final long POSIX_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Counts counts;
    private final PrintWriter progress;
    private final List<String> notes = new ArrayList<>();

    public SemBenchmark(Counts counts, PrintWriter progress) {
        this.counts = counts;
        this.progress = progress;
    }

    /** Lines said in words next to the tables (the POSIX semaphore that never came back). */
    public List<String> notes() {
        return notes;
    }

    /** Runs all three and returns the reports: local, recovery, cluster. */
    public List<BenchReport> run() {
        Machine machine = Machine.current();
        Path dir = Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
        String tag = "openpair-bench-" + ProcessHandle.class.hashCode() + "-" + System.nanoTime();
        try {
            return List.of(local(machine, dir.resolve(tag + "-local")), recovery(machine, dir, tag), cluster(machine));
        } catch (NativeException e) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "native call failed: " + e.getMessage(), e);
        }
    }

    private BenchReport local(Machine machine, Path file) throws NativeException {
        progress.println("local: lock+unlock, " + counts.localBatches() + " batches of " + counts.batchOps());
        progress.flush();
        SharedSegment seg = SharedSegment.open(file, 64);
        SyncBaselines b = SyncBaselines.get();
        String posixName = "/" + file.getFileName();
        SyncBaselines.NamedSemaphore posix = b.namedSemaphore(posixName, 1);
        SyncBaselines.UndoSemaphore sysv = b.undoSemaphore(1);
        RobustMutexes m = RobustMutexes.get();
        // The plain mutex lives in this JVM's memory: same attributes, no segment around it.
        java.nio.ByteBuffer plainMemory = java.nio.ByteBuffer.allocateDirect(2 * RobustMutexes.MUTEX_BYTES);
        long plain = (m.address(plainMemory) + 63) & ~63L;
        m.init(plain);
        Samples segLock = new Samples("shm-lock-unlock", counts.localBatches());
        Samples segTx = new Samples("shm-transaction", counts.localBatches());
        Samples mutex = new Samples("pthread-robust-mutex", counts.localBatches());
        Samples named = new Samples("posix-named-sem", counts.localBatches());
        Samples undo = new Samples("sysv-sem-undo", counts.localBatches());
        int n = counts.batchOps();
        Deadline d = Deadline.start("sem local");
        try {
            for (int batch = -5; batch < counts.localBatches(); batch++) {   // 5 warm-up batches
                d.check(Math.max(batch, 0), counts.localBatches());
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    seg.lock().close();
                }
                long t1 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    try (SegmentLock l = seg.lock()) {
                        l.putLong(0, l.getLong(0) - 1);
                        l.putLong(8, l.getLong(8) + 1);
                        l.commit();
                    }
                }
                long t2 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    m.lock(plain);
                    m.unlock(plain);
                }
                long t3 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    posix.acquire();
                    posix.release();
                }
                long t4 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    sysv.acquire();
                    sysv.release();
                }
                long t5 = System.nanoTime();
                if (batch >= 0) {
                    segLock.add((t1 - t0) / n);
                    segTx.add((t2 - t1) / n);
                    mutex.add((t3 - t2) / n);
                    named.add((t4 - t3) / n);
                    undo.add((t5 - t4) / n);
                }
            }
        } finally {
            java.lang.ref.Reference.reachabilityFence(plainMemory);
            posix.close();
            b.unlinkNamedSemaphore(posixName);
            sysv.remove();
            SharedSegment.unlink(file);
        }
        return new BenchReport("sem", "uncontended lock+unlock in one thread, mean of each batch of " + n
                + "; target: shm-lock-unlock <= 100 ns", Unit.NS, machine,
                new BenchReport.Case("pthread-robust-mutex", mutex.stats(), "pthread_mutex_lock+unlock, robust, pshared (jnr-ffi)"),
                List.of(new BenchReport.Case("shm-lock-unlock", segLock.stats(), "SharedSegment.lock() + close()"),
                        new BenchReport.Case("shm-transaction", segTx.stats(), "lock, 2 logged putLong, commit, unlock"),
                        new BenchReport.Case("posix-named-sem", named.stats(), "sem_wait + sem_post"),
                        new BenchReport.Case("sysv-sem-undo", undo.stats(), "semop -1 and +1 with SEM_UNDO")));
    }

    BenchReport recovery(Machine machine, Path dir, String tag) throws NativeException {
        progress.println("recovery: " + counts.recoveries() + " kill -9 of a holder JVM per primitive");
        progress.flush();
        Samples shm = new Samples("shm-kill9-recovery", counts.recoveries());
        Samples undo = new Samples("sysv-undo-kill9-recovery", counts.recoveries());
        int posixBlocked = 0;
        int posixRuns = Math.max(1, Math.min(3, counts.recoveries()));
        Deadline d = Deadline.start("sem recovery");
        for (int run = 0; run < counts.recoveries(); run++) {
            d.check(run, counts.recoveries());
            Path file = dir.resolve(tag + "-r" + run);
            SharedSegment seg = SharedSegment.open(file, 64);
            try {
                shm.add(killAndTime(List.of("shm", file.toString()), () -> {
                    try (SegmentLock l = seg.lock()) {
                        l.markConsistent();
                    }
                }));
            } finally {
                SharedSegment.unlink(file);
            }
            SyncBaselines.UndoSemaphore sysv = SyncBaselines.get().undoSemaphore(1);
            try {
                undo.add(killAndTime(List.of("sysv", String.valueOf(sysv.id())), sysv::acquire));
            } finally {
                sysv.remove();
            }
        }
        for (int run = 0; run < posixRuns; run++) {
            String name = "/" + tag + "-p" + run;
            SyncBaselines.NamedSemaphore posix = SyncBaselines.get().namedSemaphore(name, 1);
            try {
                boolean[] got = new boolean[1];
                killAndTime(List.of("posix", name), () -> got[0] = posix.acquire(POSIX_WAIT_NANOS));
                if (!got[0]) {
                    posixBlocked++;
                }
            } finally {
                posix.close();
                SyncBaselines.get().unlinkNamedSemaphore(name);
            }
        }
        notes.add("posix-named-sem: after the kill -9 of its holder the waiter was still blocked when its "
                + "sem_timedwait gave up after " + TimeUnit.NANOSECONDS.toMillis(POSIX_WAIT_NANOS) + " ms in "
                + posixBlocked + " of " + posixRuns + " runs (a plain sem_wait would block forever)");
        return new BenchReport("sem-recovery", "from kill -9 of the holder (a separate JVM) to a waiter in this JVM "
                + "holding; target: shm <= 1 ms", Unit.US, machine,
                new BenchReport.Case("sysv-undo-kill9-recovery", undo.stats(), "System V SEM_UNDO: the kernel undoes at exit"),
                List.of(new BenchReport.Case("shm-kill9-recovery", shm.stats(),
                        "robust mutex: EOWNERDEAD, undo log rolled back, marked consistent")));
    }

    /**
     * Starts a holder JVM, waits for HELD, starts the waiter on a thread of this JVM, gives it
     * time to block, kills the holder with SIGKILL and returns the nanoseconds from just before
     * the kill to the waiter's return.
     */
    private long killAndTime(List<String> holderArgs, Runnable waiter) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Djnr.ffi.asm.enabled=false",
                "-cp", System.getProperty("java.class.path"), SemBenchHolder.class.getName()));
        cmd.addAll(holderArgs);
        // Bound before the clock starts: the first NativeOs.get() loads jnr-posix (0.15-0.5 s),
        // which inside the interval was the whole p99 of the first runs, not the recovery.
        NativeOs os = NativeOs.get();
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "cannot start a holder JVM: " + e, e);
        }
        try {
            awaitHeld(p);
            long[] done = new long[1];
            CompletableFuture<Void> w = CompletableFuture.runAsync(() -> {
                waiter.run();
                done[0] = System.nanoTime();
            });
            Thread.sleep(100);   // the waiter is blocked by now (it cannot finish while the holder lives)
            long t0 = System.nanoTime();
            os.kill(p.pid(), NativeOs.SIGKILL);
            w.get(30, TimeUnit.SECONDS);
            return done[0] - t0;
        } catch (Exception e) {
            throw new GuardianException(GuardianError.TIMED_OUT, "recovery run failed: " + e, e);
        } finally {
            p.destroyForcibly();
        }
    }

    private static void awaitHeld(Process p) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = r.readLine()) != null; ) {
            if (line.equals("HELD")) {
                return;
            }
        }
        throw new IOException("the holder JVM ended before it held anything");
    }

    private BenchReport cluster(Machine machine) {
        progress.println("cluster: 2 CPUs in this JVM, " + counts.clusterOps() + " acquire+release and IMap.set");
        progress.flush();
        try (BenchNode bench = BenchNode.start(progress)) {
            Guardian op = bench.node().cpu(0).guardian();
            ProcessHandle caller = sleeper(op, 0);
            Guardian as = bench.node().cpu(0).guardianAs(caller);
            op.semaphoreCreate("bench", 1, DeathPolicy.RELEASE);
            RobustSemaphore sem = as.semaphore("bench");
            // Reported, not chosen: the name decides the partition. Owned by CPU 1, an acquire
            // crosses to the other CPU as the floor's set does; owned by CPU 0, it runs here and
            // its synchronous backup crosses instead: one round trip between the CPUs either way.
            String semOwner = bench.hazelcast(0).getPartitionService().getPartition("bench").getOwner().localMember()
                    ? "CPU 0, the caller's" : "CPU 1";
            progress.println("cluster: the semaphore's partition is on " + semOwner);
            progress.flush();
            RemoteSetBaseline floor = new RemoteSetBaseline(bench.hazelcast(0), bench.member(1));
            floor.prepare();
            Samples acq = new Samples("cluster-acquire-release", counts.clusterOps());
            Samples set = new Samples(Floors.IMAP_SET, counts.clusterOps());
            Deadline d = Deadline.start("sem cluster");
            for (int i = -200; i < counts.clusterOps(); i++) {
                d.check(Math.max(i, 0), counts.clusterOps());
                long t0 = System.nanoTime();
                sem.acquire(1);
                sem.release(1);
                long t1 = System.nanoTime();
                if (i >= 0) {
                    acq.add(t1 - t0);
                }
                floor.measure(1, i >= 0 ? set : null, d);
            }
            Samples rec = new Samples("cluster-kill9-recovery", counts.clusterRecoveries());
            op.semaphoreCreate("bench-rec", 1, DeathPolicy.RELEASE);
            for (int run = 0; run < counts.clusterRecoveries(); run++) {
                d.check(run, counts.clusterRecoveries());
                ProcessHandle holder = sleeper(op, 1);
                bench.node().cpu(1).guardianAs(holder).semaphore("bench-rec").acquire(1);
                long[] done = new long[1];
                RobustSemaphore waiter = as.semaphore("bench-rec");
                CompletableFuture<Void> w = CompletableFuture.runAsync(() -> {
                    if (waiter.acquire(1).ownerDied()) {
                        done[0] = System.nanoTime();
                    }
                });
                awaitQueued(op, "bench-rec");
                long pid = op.process(holder).map(ProcessInfo::pid).orElseThrow();
                long t0 = System.nanoTime();
                NativeOs.get().kill(pid, NativeOs.SIGKILL);
                w.get(30, TimeUnit.SECONDS);
                rec.add(done[0] - t0);
                waiter.markConsistent();
                waiter.release(1);
            }
            op.processStop(caller);
            return new BenchReport("sem-cluster", "node \\" + bench.node().config().nodeName() + ", 2 CPUs in one JVM; "
                    + "caller on CPU 0; target: acquire+release <= 2x IMap.set", Unit.US, machine,
                    new BenchReport.Case(Floors.IMAP_SET, set.stats(), Floors.setFloor(set).note() + " (CPU 0 -> CPU 1)"),
                    List.of(new BenchReport.Case("cluster-acquire-release", acq.stats(), "acquire(1) + release(1), uncontended; its partition on " + semOwner),
                            new BenchReport.Case("cluster-kill9-recovery", rec.stats(),
                                    "kill -9 of the OS process holding it (CPU 1) to a waiter on CPU 0 holding")));
        } catch (NativeException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new GuardianException(GuardianError.TIMED_OUT, "cluster phase failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuardianException(GuardianError.TIMED_OUT, "interrupted");
        }
    }

    private static ProcessHandle sleeper(Guardian op, int cpu) {
        return op.processSpawn(SpawnRequest.of(Program.executable("sleep")).args("600").cpu(cpu).build());
    }

    private static void awaitQueued(Guardian op, String name) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (op.semaphore(name).info().waiters() == 0) {
            if (System.nanoTime() > deadline) {
                throw new GuardianException(GuardianError.TIMED_OUT, "the waiter did not queue within 10 s");
            }
            Thread.sleep(Duration.ofMillis(2).toMillis());
        }
    }
}
