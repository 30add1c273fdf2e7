package org.openpair.emulator.sharedmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.TestNodes;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.SegmentHolder;
import org.openpair.guardian.SegmentLock;

/**
 * {@link HolderKill} against worker JVMs whose update lasts 200 µs: every kill lands mid-update,
 * so the next locker is told and rolls it back (a kill aimed at a holder merely seen mid-update
 * often lands after the commit); no holder mid-update, or only this JVM, ends in error 40 with
 * nothing stopped or killed.
 */
class HolderKillTest {
    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final int ROUNDS = 5;
    private static final long TOTAL = 1000;
    private final String node = "K" + java.lang.ProcessHandle.current().pid() + "X" + System.nanoTime();
    private final ProcessHandle me = new ProcessHandle(node, 1, 7, 99);
    private final List<Process> workers = new ArrayList<>();
    private TypedSegment seg;

    @AfterEach
    void clean() throws InterruptedException {
        for (Process p : workers) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        if (seg != null) {
            SharedSegment.unlink(seg.raw().file());
        }
    }

    private void openWithTotal(String name) {
        seg = TypedSegment.open(node, name, TypedWorker.LAYOUT, me);
        try (SegmentLock l = seg.lock()) {
            l.putLong("a", TOTAL);
            l.commit();
        }
    }

    private Process worker(String name, String mode) throws java.io.IOException {
        Process p = TypedWorker.start(node, name, mode);
        workers.add(p);
        return p;
    }

    @Test
    void everyKill_landsMidUpdate_soTheNextLockerIsToldAndRollsItBack() throws Exception {
        openWithTotal("churn");
        for (int round = 1; round <= ROUNDS; round++) {
            Process w = worker("churn", "churn");
            long commits = seg.commits();
            TestNodes.await("the worker to churn", BOUND, () -> seg.commits() >= commits + 3);

            SegmentHolder killed = HolderKill.killMidUpdate(seg, h -> h.pid() == w.pid(), BOUND);
            assertThat(killed.pid()).isEqualTo(w.pid());
            assertThat(killed.updating()).isTrue();
            assertThat(w.waitFor(30, TimeUnit.SECONDS)).isTrue();

            try (SegmentLock l = seg.tryLock(BOUND).orElseThrow()) {
                assertThat(l.ownerDied()).as("round %d: the next locker is told", round).isTrue();
                assertThat(l.rolledBack()).as("round %d: the kill landed mid-update", round).isTrue();
                assertThat(l.getLong("a") + l.getLong("b")).isEqualTo(TOTAL);
            }
            assertThat(seg.recoveries()).isEqualTo(round);
        }
    }

    @Test
    void aHolderNotMidUpdate_endsWithError40_andIsNeitherKilledNorLeftStopped() throws Exception {
        openWithTotal("idle");
        Process w = worker("idle", "committed");
        TestNodes.await("the worker to commit and keep holding", BOUND, () -> seg.holder().filter(h -> h.pid() == w.pid()
                && !h.updating()).isPresent());

        expectTimedOut(() -> HolderKill.killMidUpdate(seg, h -> true, Duration.ofMillis(200)));
        assertThat(w.isAlive()).isTrue();
        assertThat(HolderKill.threadStates(w.pid())).isNotEmpty().doesNotContain("T");
        assertThat(seg.holder().orElseThrow().pid()).isEqualTo(w.pid());
    }

    @Test
    void thisJvmHoldingMidUpdate_isNeverStopped_andEndsWithError40() throws Exception {
        openWithTotal("self");
        try (SegmentLock l = seg.lock()) {
            l.putLong("a", TOTAL - 1);
            assertThat(seg.holder().orElseThrow().updating()).isTrue();
            expectTimedOut(() -> HolderKill.killMidUpdate(seg, h -> true, Duration.ofMillis(200)));
            assertThat(seg.holder().orElseThrow().process()).isEqualTo(me);
        }
        try (SegmentLock l = seg.lock()) {
            assertThat(l.ownerDied()).isFalse();
            assertThat(l.getLong("a")).isEqualTo(TOTAL);    // closed without a commit: undone
        }
    }

    private interface Call {
        void run() throws Exception;
    }

    private static void expectTimedOut(Call call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(GuardianException.class,
                e -> assertThat(e.guardianError()).as(e.getMessage()).isEqualTo(GuardianError.TIMED_OUT));
    }
}
