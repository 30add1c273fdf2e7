package org.openpair.emulator.semaphores;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.os.NativeOs;
import org.openpair.emulator.process.TestPrograms;
import org.openpair.guardian.Acquisition;
import org.openpair.guardian.Consistency;
import org.openpair.guardian.DeathPolicy;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.Program;
import org.openpair.guardian.RobustSemaphore;
import org.openpair.guardian.SemaphoreInfo;
import org.openpair.guardian.SpawnRequest;

/**
 * Robust semaphores on three CPUs in this JVM, held by real processes (hosted programs, and an
 * OS process killed with kill -9): owner death, SEM_UNDO, rollback, orphans, handover,
 * unrecoverable state, fairness and bad input.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SemaphoreTest {
    private static final Duration BOUND = Duration.ofSeconds(30);

    // One node for the class (each test uses semaphores of its own names): starting three CPUs
    // costs seconds, and the tests are about semaphores, not CPU start.
    private EmbeddedNode node;
    private Guardian g;
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeAll
    void start() {
        node = EmbeddedNode.start(TestNodes.config(3).build(), 3);
        g = node.cpu(0).guardian();
    }

    @AfterAll
    void close() {
        threads.shutdownNow();
        node.close();
    }

    /** A live process that does nothing: the test thread acts as it through {@link #as}. */
    private ProcessHandle process(int cpu) {
        return g.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class)).cpu(cpu).build());
    }

    /** The Guardian procedures as process {@code p}, through the CPU that runs it. */
    private Guardian as(ProcessHandle p) {
        return node.cpu(p.cpu()).guardianAs(p);
    }

    private CompletableFuture<Acquisition> acquireLater(RobustSemaphore sem, int permits) {
        return CompletableFuture.supplyAsync(() -> sem.acquire(permits), threads);
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + BOUND + ": " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    private static <T> T done(CompletableFuture<T> f) throws Exception {
        return f.get(BOUND.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void holderStopped_waiterAcquiresWithOwnerDied_andMustMark() throws Exception {
        g.semaphoreCreate("lock", 1, DeathPolicy.RELEASE);
        ProcessHandle holder = process(1);
        ProcessHandle waiter = process(2);
        Acquisition first = as(holder).semaphore("lock").acquire(1);
        assertThat(first.ownerDied()).isFalse();
        RobustSemaphore waiterSem = as(waiter).semaphore("lock");
        CompletableFuture<Acquisition> waiting = acquireLater(waiterSem, 1);
        await("the waiter queued", () -> g.semaphore("lock").info().waiters() == 1);
        assertThat(waiting).isNotDone();

        g.processStop(holder);

        Acquisition a = done(waiting);
        assertThat(a.ownerDied()).isTrue();
        assertThat(a.deadOwners()).containsExactly(holder);
        assertThat(g.semaphore("lock").info().holders()).containsOnlyKeys(waiter);
        waiterSem.markConsistent();
        waiterSem.release(1);
        SemaphoreInfo after = g.semaphore("lock").info();
        assertThat(after.consistency()).isEqualTo(Consistency.CONSISTENT);
        assertThat(after.available()).isEqualTo(1);
        assertThat(as(waiter).semaphore("lock").tryAcquire(1).orElseThrow().ownerDied()).isFalse();
    }

    @Test
    void osProcessHolder_killedWithKill9_waiterAcquiresWithOwnerDied() throws Exception {
        g.semaphoreCreate("os", 2, DeathPolicy.RELEASE);
        var cfg = node.config();
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessHandle holder = g.processSpawn(SpawnRequest.of(Program.executable(javaBin.toString()))
                .args("-XX:TieredStopAtLevel=1", "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2",
                        "-cp", System.getProperty("java.class.path"), SemClientMain.class.getName(),
                        cfg.nodeName(), String.valueOf(cfg.basePort()), "3", "os", "2")
                .cpu(1).build());
        await("the OS process holds both permits", () -> g.semaphore("os").info().holders().getOrDefault(holder, 0) == 2);
        ProcessHandle waiter = process(2);
        CompletableFuture<Acquisition> waiting = acquireLater(as(waiter).semaphore("os"), 1);
        await("the waiter queued", () -> g.semaphore("os").info().waiters() == 1);

        long pid = g.process(holder).map(ProcessInfo::pid).orElseThrow();
        assertThat(NativeOs.get().kill(pid, NativeOs.SIGKILL)).isTrue();

        Acquisition a = done(waiting);
        assertThat(a.ownerDied()).isTrue();
        assertThat(a.deadOwners()).containsExactly(holder);
        assertThat(g.termination(holder).orElseThrow().signal()).isEqualTo(NativeOs.SIGKILL);
        SemaphoreInfo info = g.semaphore("os").info();
        assertThat(info.holders()).containsExactly(java.util.Map.entry(waiter, 1));
        assertThat(info.available()).isEqualTo(1);
    }

    @Test
    void semUndoScenario_postByAHolderOfNothingIsNeverUndone() throws Exception {
        g.semaphoreCreate("undo", 1, DeathPolicy.RELEASE);
        ProcessHandle a = process(1);
        ProcessHandle b = process(2);
        ProcessHandle c = process(0);
        // The one initial permit is taken by c, so the count is 0 as in the System V story.
        as(c).semaphore("undo").acquire(1);
        as(a).semaphore("undo").post(2);                 // A raises by 2 (SEM_UNDO would remember -2)
        as(b).semaphore("undo").acquire(1);              // B takes 1
        g.processStop(a);                                // A dies: the undo of -2 no longer fits
        await("A's death is recorded", () -> g.termination(a).isPresent());
        // Nothing of A's to undo: its post stays, B keeps its permit, nobody is told of a death.
        SemaphoreInfo info = g.semaphore("undo").info();
        assertThat(info.permits()).isEqualTo(3);
        assertThat(info.available()).isEqualTo(1);
        assertThat(info.holders()).containsOnlyKeys(b, c);
        assertThat(info.consistency()).isEqualTo(Consistency.CONSISTENT);
        assertThat(as(c).semaphore("undo").tryAcquire(1).orElseThrow().ownerDied()).isFalse();
        // B dies holding 1: that permit returns, and the next acquirer is told.
        g.processStop(b);
        await("B's permit returned", () -> g.semaphore("undo").info().available() == 1);
        Acquisition next = as(c).semaphore("undo").acquire(1);
        assertThat(next.ownerDied()).isTrue();
        assertThat(next.deadOwners()).containsExactly(b);
    }

    @Test
    void deathMidUpdate_leavesTheLastCommittedState() throws Exception {
        g.semaphoreCreate("ledger", 1, DeathPolicy.RELEASE);
        ProcessHandle dier = g.processSpawn(SpawnRequest.of(Program.hosted(SemPrograms.AbendsMidUpdate.class))
                .args("ledger", "dier").cpu(1).build());
        await("the holder died", () -> g.termination(dier).isPresent());
        assertThat(SemPrograms.SEEN).containsEntry("dier", "midUpdate");
        ProcessHandle next = process(2);
        Acquisition a = as(next).semaphore("ledger").acquire(1);
        assertThat(a.ownerDied()).isTrue();
        var state = as(next).semaphore("ledger").state();
        assertThat(state.getLong("a")).hasValue(100);
        assertThat(state.getLong("b")).hasValue(0);
        assertThat(state.version()).isEqualTo(1);
    }

    @Test
    void commitByAProcessThatNoLongerHolds_isRefusedAndChangesNothing() {
        RobustSemaphore sem = g.semaphoreCreate("tx", 1, DeathPolicy.RELEASE);
        ProcessHandle p = process(1);
        RobustSemaphore mine = as(p).semaphore("tx");
        mine.acquire(1);
        mine.update().putLong("x", 1).commit();
        var half = mine.update().putLong("x", 2);
        mine.release(1);
        assertThatThrownBy(half::commit).isInstanceOfSatisfying(GuardianException.class,
                e -> assertThat(e.guardianError()).isEqualTo(GuardianError.INVALID_OPERATION));
        assertThat(sem.state().getLong("x")).hasValue(1);
        assertThat(sem.state().version()).isEqualTo(1);
    }

    @Test
    void orphanPolicy_keepsPermitsUntilPurged() throws Exception {
        g.semaphoreCreate("orph", 1, DeathPolicy.ORPHAN);
        ProcessHandle holder = process(1);
        ProcessHandle waiter = process(2);
        as(holder).semaphore("orph").acquire(1);
        g.processStop(holder);
        await("the permit is an orphan", () -> g.semaphore("orph").info().orphans().containsKey(holder));
        SemaphoreInfo orphaned = g.semaphore("orph").info();
        assertThat(orphaned.available()).isZero();
        assertThat(orphaned.holders()).isEmpty();
        assertThat(as(waiter).semaphore("orph").tryAcquire(1, Duration.ofMillis(300))).isEmpty();

        CompletableFuture<Acquisition> waiting = acquireLater(as(waiter).semaphore("orph"), 1);
        await("the waiter queued", () -> g.semaphore("orph").info().waiters() == 1);
        assertThat(g.semaphorePurge("orph")).isEqualTo(1);
        Acquisition a = done(waiting);
        assertThat(a.ownerDied()).isTrue();
        assertThat(a.deadOwners()).containsExactly(holder);
        assertThat(g.semaphore("orph").info().orphans()).isEmpty();
        assertThat(g.semaphorePurge("orph")).isZero();
    }

    @Test
    void handoverPolicy_givesThePermitsToTheBackupAtTakeover() {
        g.semaphoreCreate("hand", 1, DeathPolicy.HANDOVER);
        ProcessHandle primary = g.processSpawn(SpawnRequest.of(Program.hosted(SemPrograms.PairHolder.class))
                .name("$HOLD").args("hand", "2", "hold").cpu(1).build());
        await("the pair is up with a ready backup", () -> SemPrograms.SEEN.containsKey("hold-primary")
                && g.processGetPairInfo(primary).backup() != null
                && new NodeTables(node.cpu(0).engine()).names().get("$HOLD").ready());
        ProcessHandle backup = g.processGetPairInfo(primary).backup();
        assertThat(g.semaphore("hand").info().holders()).containsOnlyKeys(primary);

        g.processStop(primary);

        await("the backup took over and looked", () -> SemPrograms.SEEN.containsKey("hold"));
        Acquisition held = (Acquisition) SemPrograms.SEEN.get("hold");
        assertThat(held.permits()).isEqualTo(1);
        assertThat(held.ownerDied()).isTrue();
        assertThat(held.deadOwners()).containsExactly(primary);
        SemaphoreInfo info = g.semaphore("hand").info();
        assertThat(info.holders()).containsOnlyKeys(backup);
        assertThat(info.available()).isZero();
    }

    @Test
    void releasingWithoutMarkingConsistent_makesItUnrecoverableForEveryone() throws Exception {
        g.semaphoreCreate("nr", 2, DeathPolicy.RELEASE);
        ProcessHandle holder = process(1);
        ProcessHandle next = process(2);
        ProcessHandle other = process(0);
        as(holder).semaphore("nr").acquire(1);
        g.processStop(holder);
        await("the permit returned", () -> g.semaphore("nr").info().available() == 2);
        RobustSemaphore sem = as(next).semaphore("nr");
        assertThat(sem.acquire(1).ownerDied()).isTrue();
        sem.release(1);      // let go without markConsistent

        assertThat(g.semaphore("nr").info().consistency()).isEqualTo(Consistency.NOT_RECOVERABLE);
        for (var call : List.<Runnable>of(() -> as(other).semaphore("nr").acquire(1),
                () -> as(other).semaphore("nr").tryAcquire(1), () -> as(next).semaphore("nr").markConsistent())) {
            assertThatThrownBy(call::run).isInstanceOfSatisfying(GuardianException.class,
                    e -> assertThat(e.error()).isEqualTo(4131));
        }
        // Another semaphore is unharmed.
        g.semaphoreCreate("fine", 1, DeathPolicy.RELEASE);
        assertThat(as(other).semaphore("fine").tryAcquire(1)).isPresent();
    }

    @Test
    void markingConsistent_clearsTheFlagForLaterAcquirers() throws Exception {
        g.semaphoreCreate("mk", 2, DeathPolicy.RELEASE);
        ProcessHandle holder = process(1);
        ProcessHandle p = process(2);
        ProcessHandle q = process(0);
        as(holder).semaphore("mk").acquire(2);
        g.processStop(holder);
        await("the permits returned", () -> g.semaphore("mk").info().available() == 2);
        assertThat(as(p).semaphore("mk").acquire(1).ownerDied()).isTrue();
        assertThat(as(q).semaphore("mk").acquire(1).ownerDied()).isTrue();   // still not marked
        as(q).semaphore("mk").markConsistent();
        as(q).semaphore("mk").release(1);
        as(p).semaphore("mk").release(1);   // p was told, but q marked: no harm
        assertThat(g.semaphore("mk").info().consistency()).isEqualTo(Consistency.CONSISTENT);
        assertThat(as(p).semaphore("mk").acquire(2).ownerDied()).isFalse();
    }

    @Test
    void holderOnACrashedCpu_isReleased() throws Exception {
        g.semaphoreCreate("crash", 1, DeathPolicy.RELEASE);
        ProcessHandle holder = process(1);
        ProcessHandle waiter = process(2);
        as(holder).semaphore("crash").acquire(1);
        CompletableFuture<Acquisition> waiting = acquireLater(as(waiter).semaphore("crash"), 1);
        await("the waiter queued", () -> g.semaphore("crash").info().waiters() == 1);
        try {
            node.cpu(1).crash();
            Acquisition a = done(waiting);
            assertThat(a.ownerDied()).isTrue();
            assertThat(a.deadOwners()).containsExactly(holder);
        } finally {
            node.startCpu(1);
        }
    }

    /**
     * The CPU whose member holds the semaphore's entry crashes while a process acquires and
     * releases it in a loop: the entry's backup, promoted, has exactly what the callers were told
     * (the steady holder's permits, its committed state, and nothing of the loop once it let go).
     */
    @Test
    void theEntrysPrimaryCrashingMidTraffic_losesNothingTheCallersWereTold() throws Exception {
        // The partitions reach CPUs 1 and 2 some time after they join: wait for the spread.
        String[] found = new String[1];
        int[] ownerOf = new int[1];
        await("a semaphore name whose entry CPU 1 or 2 holds", () -> {
            var partitions = node.cpu(0).engine().hazelcast().getPartitionService();
            if (!partitions.isClusterSafe()) {
                return false;
            }
            for (int i = 0; i < 1000; i++) {
                var member = partitions.getPartition("traffic" + i).getOwner();
                for (int cpu = 1; cpu <= 2; cpu++) {
                    if (member != null && member.equals(node.cpu(cpu).engine().hazelcast().getCluster().getLocalMember())) {
                        found[0] = "traffic" + i;
                        ownerOf[0] = cpu;
                        return true;
                    }
                }
            }
            return false;
        });
        String name = found[0];
        int owner = ownerOf[0];
        int spared = owner == 1 ? 2 : 1;
        String sem = name;
        g.semaphoreCreate(sem, 3, DeathPolicy.RELEASE);
        ProcessHandle steady = process(spared);
        ProcessHandle busy = process(0);
        RobustSemaphore held = as(steady).semaphore(sem);
        held.acquire(2);
        long version = held.update().put("k", new byte[] {7}).commit();
        java.util.concurrent.atomic.AtomicInteger rounds = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        CompletableFuture<Void> loop = CompletableFuture.runAsync(() -> {
            RobustSemaphore s = as(busy).semaphore(sem);
            long deadline = System.nanoTime() + BOUND.toNanos();
            for (int i = 0; i < 1_000_000 && !stop.get() && System.nanoTime() < deadline; i++) {
                s.acquire(1);
                s.release(1);
                rounds.incrementAndGet();
            }
        }, threads);
        try {
            await("the loop under way", () -> rounds.get() >= 200 || loop.isDone());
            int before = rounds.get();
            node.cpu(owner).crash();
            try {
                await("the loop going on after the crash", () -> rounds.get() >= before + 200 || loop.isDone());
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + " (" + (rounds.get() - before) + " rounds after it; "
                        + g.semaphore(sem).info() + ")", e);
            }
            stop.set(true);
            done(loop);

            SemaphoreInfo info = g.semaphore(sem).info();
            assertThat(info.holders()).isEqualTo(java.util.Map.of(steady, 2));
            assertThat(info.available()).isEqualTo(1);
            assertThat(info.permits()).isEqualTo(3);
            assertThat(info.waiters()).isZero();
            assertThat(info.consistency()).isEqualTo(Consistency.CONSISTENT);
            assertThat(info.stateVersion()).isEqualTo(version);
            assertThat(held.state().get("k")).hasValueSatisfying(v -> assertThat(v).containsExactly(7));
            assertThat(held.holding().permits()).isEqualTo(2);
        } finally {
            stop.set(true);
            node.startCpu(owner);
        }
    }

    @Test
    void blockingAcquires_areServedInArrivalOrder() throws Exception {
        g.semaphoreCreate("fifo", 2, DeathPolicy.RELEASE);
        ProcessHandle holder = process(0);
        ProcessHandle big = process(1);
        ProcessHandle small = process(2);
        as(holder).semaphore("fifo").acquire(2);
        CompletableFuture<Acquisition> first = acquireLater(as(big).semaphore("fifo"), 2);
        await("the first waiter queued", () -> g.semaphore("fifo").info().waiters() == 1);
        CompletableFuture<Acquisition> second = acquireLater(as(small).semaphore("fifo"), 1);
        await("the second waiter queued", () -> g.semaphore("fifo").info().waiters() == 2);
        // One permit free: enough for the second, but the first is ahead and needs two.
        as(holder).semaphore("fifo").release(1);
        assertThat(as(holder).semaphore("fifo").tryAcquire(1)).isEmpty();   // a try does not barge either
        Thread.sleep(200);
        assertThat(second).isNotDone();
        as(holder).semaphore("fifo").release(1);
        assertThat(done(first).permits()).isEqualTo(2);
        assertThat(second).isNotDone();
        as(big).semaphore("fifo").release(2);
        assertThat(done(second).permits()).isEqualTo(1);
    }

    @Test
    void timedAcquire_givesUpAndLeavesTheQueue() {
        g.semaphoreCreate("timed", 1, DeathPolicy.RELEASE);
        ProcessHandle holder = process(1);
        ProcessHandle waiter = process(2);
        as(holder).semaphore("timed").acquire(1);
        long t0 = System.nanoTime();
        Optional<Acquisition> none = as(waiter).semaphore("timed").tryAcquire(1, Duration.ofMillis(400));
        assertThat(none).isEmpty();
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(400));
        assertThat(g.semaphore("timed").info().waiters()).isZero();
        as(holder).semaphore("timed").release(1);
        assertThat(as(waiter).semaphore("timed").tryAcquire(1, Duration.ofSeconds(5))).isPresent();
    }

    @Test
    void badInput_getsItsGuardianError_andHarmsNothing() {
        RobustSemaphore sem = g.semaphoreCreate("good", 3, DeathPolicy.RELEASE);
        ProcessHandle p = process(1);
        ProcessHandle q = process(2);
        RobustSemaphore mine = as(p).semaphore("good");
        mine.acquire(1);
        mine.update().putLong("k", 7).commit();
        SemaphoreInfo before = sem.info();

        expect(GuardianError.INVALID_OPERATION, () -> g.semaphoreCreate("zero", 0, DeathPolicy.RELEASE));
        expect(GuardianError.INVALID_OPERATION, () -> g.semaphoreCreate("neg", -5, DeathPolicy.RELEASE));
        expect(GuardianError.IN_USE, () -> g.semaphoreCreate("good", 4, DeathPolicy.RELEASE));
        expect(GuardianError.IN_USE, () -> g.semaphoreCreate("good", 3, DeathPolicy.ORPHAN));
        expect(GuardianError.BAD_NAME, () -> g.semaphoreCreate("bad name!", 1, DeathPolicy.RELEASE));
        expect(GuardianError.BAD_NAME, () -> g.semaphore(""));
        expect(GuardianError.NOT_FOUND, () -> g.semaphore("nosuch"));
        expect(GuardianError.NOT_FOUND, () -> g.semaphorePurge("nosuch"));
        expect(GuardianError.INVALID_OPERATION, () -> mine.acquire(0));
        expect(GuardianError.INVALID_OPERATION, () -> mine.acquire(-1));
        expect(GuardianError.INVALID_OPERATION, () -> mine.acquire(4));             // more than it has
        expect(GuardianError.INVALID_OPERATION, () -> mine.release(2));             // holds 1
        expect(GuardianError.INVALID_OPERATION, () -> mine.release(0));
        expect(GuardianError.INVALID_OPERATION, () -> as(q).semaphore("good").release(1));   // holds none
        expect(GuardianError.INVALID_OPERATION, () -> as(q).semaphore("good").markConsistent());
        expect(GuardianError.INVALID_OPERATION, () -> as(q).semaphore("good").update().putLong("k", 9).commit());
        expect(GuardianError.INVALID_OPERATION, () -> g.semaphore("good").acquire(1));      // the operator
        expect(GuardianError.INVALID_OPERATION, () -> mine.post(0));
        expect(GuardianError.INVALID_OPERATION, () -> mine.post(Integer.MAX_VALUE));
        expect(GuardianError.BOUNDS, () -> mine.update().put("big", new byte[RobustSemaphore.MAX_STATE_BYTES]).commit());

        SemaphoreInfo after = sem.info();
        assertThat(after).isEqualTo(before);
        assertThat(sem.state().getLong("k")).hasValue(7);
        assertThat(g.semaphores()).extracting(SemaphoreInfo::name).contains("good")
                .doesNotContain("zero", "neg", "bad name!", "nosuch");
        mine.release(1);
        assertThat(as(q).semaphore("good").tryAcquire(3)).isPresent();
    }

    private static void expect(GuardianError error, Runnable call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(GuardianException.class,
                e -> assertThat(e.guardianError()).as(e.getMessage()).isEqualTo(error));
    }
}
