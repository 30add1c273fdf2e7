package org.openpair.emulator.semaphores;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.emulator.process.TestPrograms;
import org.openpair.guardian.Acquisition;
import org.openpair.guardian.DeathPolicy;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.Program;
import org.openpair.guardian.RobustSemaphore;
import org.openpair.guardian.SpawnRequest;

/**
 * How waiters learn of a change, on three CPUs in this JVM (each its own engine member): only a
 * CPU with a waiter listens to a semaphore, so an uncontended acquire+release sends no event to
 * anyone, and a release or a holder's death wakes a waiter on another CPU by its event alone
 * (the re-check fallback is pushed past the tests' bound, so a missed wake-up hangs the waiter
 * and fails the test).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SemaphoreWakeupTest {
    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final int CPUS = 3;

    private EmbeddedNode node;
    private Guardian g;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private long recheck;

    @BeforeAll
    void start() {
        node = EmbeddedNode.start(TestNodes.config(CPUS).build(), CPUS);
        g = node.cpu(0).guardian();
    }

    @AfterAll
    void close() {
        threads.shutdownNow();
        node.close();
    }

    @BeforeEach
    void noRecheck() {
        recheck = ClusterSemaphore.recheckNanos;
        ClusterSemaphore.recheckNanos = TimeUnit.MINUTES.toNanos(10);
    }

    @AfterEach
    void restoreRecheck() {
        ClusterSemaphore.recheckNanos = recheck;
    }

    private ProcessHandle process(int cpu) {
        return g.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class)).cpu(cpu).build());
    }

    private RobustSemaphore semaphoreOf(ProcessHandle p, String name) {
        return node.cpu(p.cpu()).guardianAs(p).semaphore(name);
    }

    private Wakeups wakeups(int cpu) {
        return Wakeups.of(node.cpu(cpu).engine());
    }

    private long[] heard() {
        long[] n = new long[CPUS];
        for (int cpu = 0; cpu < CPUS; cpu++) {
            n[cpu] = wakeups(cpu).heard.get();
        }
        return n;
    }

    private CompletableFuture<Acquisition> acquireLater(RobustSemaphore sem) {
        return CompletableFuture.supplyAsync(() -> sem.acquire(1), threads);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + BOUND + ": " + what);
            }
            Thread.sleep(5);
        }
    }

    private static <T> T done(CompletableFuture<T> f) throws Exception {
        return f.get(BOUND.toSeconds(), TimeUnit.SECONDS);
    }

    /** Holder on CPU 1, waiter on CPU 2 queued and listening; returns the waiter's acquire. */
    private CompletableFuture<Acquisition> queuedBehind(ProcessHandle holder, ProcessHandle waiter, String name)
            throws InterruptedException {
        semaphoreOf(holder, name).acquire(1);
        CompletableFuture<Acquisition> waiting = acquireLater(semaphoreOf(waiter, name));
        await("the waiter queued and listens", () -> g.semaphore(name).info().waiters() == 1
                && wakeups(waiter.cpu()).listening(name));
        assertThat(waiting).isNotDone();
        return waiting;
    }

    @Test
    void release_wakesTheWaiterOnAnotherCpu_andOnlyItsCpuHearsIt() throws Exception {
        g.semaphoreCreate("wake-release", 1, DeathPolicy.RELEASE);
        ProcessHandle holder = process(1);
        ProcessHandle waiter = process(2);
        CompletableFuture<Acquisition> waiting = queuedBehind(holder, waiter, "wake-release");
        long[] before = heard();

        semaphoreOf(holder, "wake-release").release(1);

        Acquisition a = done(waiting);
        assertThat(a.permits()).isEqualTo(1);
        assertThat(a.ownerDied()).isFalse();
        long[] after = heard();
        assertThat(after[2]).as("events heard by the waiter's CPU").isGreaterThan(before[2]);
        assertThat(after[0]).as("events heard by CPU 0, which waits for nothing").isEqualTo(before[0]);
        assertThat(after[1]).as("events heard by the releasing CPU").isEqualTo(before[1]);
        await("the waiter's CPU stops listening", () -> !wakeups(2).listening("wake-release"));
        semaphoreOf(waiter, "wake-release").release(1);
        assertThat(g.semaphore("wake-release").info().available()).isEqualTo(1);
    }

    @Test
    void holderDeath_wakesTheWaiterOnAnotherCpu_whichIsToldTheOwnerDied() throws Exception {
        g.semaphoreCreate("wake-death", 1, DeathPolicy.RELEASE);
        ProcessHandle holder = process(1);
        ProcessHandle waiter = process(2);
        CompletableFuture<Acquisition> waiting = queuedBehind(holder, waiter, "wake-death");

        g.processStop(holder);

        Acquisition a = done(waiting);
        assertThat(a.ownerDied()).isTrue();
        assertThat(a.deadOwners()).containsExactly(holder);
        assertThat(g.semaphore("wake-death").info().holders()).containsOnlyKeys(waiter);
    }

    @Test
    void uncontendedAcquireRelease_sendsNoEventToAnyCpu_evenAfterAWait() throws Exception {
        g.semaphoreCreate("quiet", 1, DeathPolicy.RELEASE);
        ProcessHandle holder = process(1);
        ProcessHandle waiter = process(2);
        // One contended round first: the waiter's CPU listened, and must have stopped since.
        CompletableFuture<Acquisition> waiting = queuedBehind(holder, waiter, "quiet");
        semaphoreOf(holder, "quiet").release(1);
        done(waiting);
        semaphoreOf(waiter, "quiet").release(1);
        for (int cpu = 0; cpu < CPUS; cpu++) {
            int c = cpu;
            await("CPU " + cpu + " stops listening", () -> !wakeups(c).listening("quiet"));
        }
        long[] before = heard();

        RobustSemaphore sem = semaphoreOf(holder, "quiet");
        RobustSemaphore other = semaphoreOf(waiter, "quiet");
        for (int i = 0; i < 50; i++) {
            sem.acquire(1);
            sem.release(1);
            assertThat(other.tryAcquire(1)).isPresent();
            other.release(1);
        }

        assertThat(heard()).as("change events heard by CPUs 0, 1, 2").containsExactly(before);
        assertThat(g.semaphore("quiet").info().available()).isEqualTo(1);
    }

    @Test
    void aChangeBetweenTheAttemptAndTheSleep_endsTheSleep() throws Exception {
        g.semaphoreCreate("between", 1, DeathPolicy.RELEASE);
        Wakeups w = wakeups(2);
        w.enter("between");
        try {
            long seen = w.version("between");
            // The change lands after the counter was read and before (or while) the sleep starts.
            g.semaphore("between").post(1);
            long t0 = System.nanoTime();
            w.await("between", seen, BOUND.toNanos());
            assertThat(System.nanoTime() - t0).as("slept the whole bound").isLessThan(BOUND.toNanos());
            assertThat(w.version("between")).isGreaterThan(seen);
        } finally {
            w.leave("between");
        }
    }

    @Test
    void releasesRacingTheWaitersSleep_neverLeaveAWaiterAsleep() throws Exception {
        g.semaphoreCreate("race", 1, DeathPolicy.RELEASE);
        ProcessHandle holder = process(1);
        ProcessHandle waiter = process(2);
        RobustSemaphore held = semaphoreOf(holder, "race");
        RobustSemaphore waits = semaphoreOf(waiter, "race");
        for (int round = 0; round < 20; round++) {
            held.acquire(1);
            CompletableFuture<Acquisition> waiting = acquireLater(waits);
            if (round % 2 == 1) {
                // Odd rounds release once the waiter is queued: between its attempt, its
                // registration, its second attempt and its sleep.
                await("round " + round + ": the waiter queued", () -> g.semaphore("race").info().waiters() == 1);
            }
            held.release(1);
            assertThat(done(waiting).permits()).as("round %d", round).isEqualTo(1);
            waits.release(1);
        }
        assertThat(g.semaphore("race").info().available()).isEqualTo(1);
        assertThat(g.semaphore("race").info().waiters()).isZero();
    }
}
