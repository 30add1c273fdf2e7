package org.openpair.emulator.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.openpair.emulator.cluster.InMemoryMembership;
import org.openpair.emulator.threads.ManualClock;

/**
 * The rule by which a CPU that could not run decides it may have been declared down, and the
 * watch itself on a manual clock and a member list set by the test: a freeze is a jump of the
 * clock, not a SIGSTOP.
 */
class QuorumWatchTest {
    private final ManualClock clock = new ManualClock();
    private final List<String> fenced = new CopyOnWriteArrayList<>();
    private final List<String> halted = new CopyOnWriteArrayList<>();

    /** A watch of CPU 0 in a node of three with a quorum of two, heartbeat 1 s, timeout 5 s. */
    private QuorumWatch watch(InMemoryMembership view) {
        return new QuorumWatch(view, 0, 2, QuorumWatch.fencing(fenced::add, halted::add), 1, 5, clock);
    }

    @Test
    void checksOnTime_withTheQuorumVisible_fenceNobody() {
        try (QuorumWatch w = watch(new InMemoryMembership(0, 1, 2))) {
            clock.advance(Duration.ofSeconds(60));
        }
        assertThat(fenced).isEmpty();
        assertThat(halted).isEmpty();
    }

    @Test
    void aFreezeLongerThanTheThreshold_fencesThePrimaries_atTheFirstCheckAfterIt() {
        try (QuorumWatch w = watch(new InMemoryMembership(0, 1, 2))) {
            clock.advance(Duration.ofSeconds(1));
            clock.jump(Duration.ofSeconds(4));

            clock.advance(Duration.ZERO);

            assertThat(fenced).singleElement().asString().contains("suspended for 4", "may have been declared down");
            clock.advance(Duration.ofSeconds(10));
            assertThat(fenced).as("checks on time again fence no more").hasSize(1);
        }
    }

    @Test
    void aFreezeJustShortOfTheThreshold_isNoAlarm() {
        try (QuorumWatch w = watch(new InMemoryMembership(0, 1, 2))) {
            clock.advance(Duration.ofSeconds(1));
            clock.jump(Duration.ofMillis(3_999));

            clock.advance(Duration.ofSeconds(2));
        }
        assertThat(fenced).isEmpty();
    }

    @Test
    void fewerCpusThanTheQuorum_fenceAtEveryCheck_untilTheyAreBack() {
        InMemoryMembership view = new InMemoryMembership(0, 1, 2);
        try (QuorumWatch w = watch(view)) {
            view.leave(1);
            clock.advance(Duration.ofMillis(250));
            assertThat(fenced).as("two of three visible: the quorum holds").isEmpty();

            view.leave(2);
            clock.advance(Duration.ofMillis(500));

            assertThat(fenced).hasSize(2).allSatisfy(r -> assertThat(r).contains("lost the quorum (1 of 2"));
        }
    }

    @Test
    void aMergeBackIntoTheNode_haltsEveryProcess() {
        InMemoryMembership view = new InMemoryMembership(0, 1, 2);
        try (QuorumWatch w = watch(view)) {
            view.merge();
        }
        assertThat(halted).singleElement().asString().contains("smaller side of a split");
        assertThat(fenced).isEmpty();
    }

    @Test
    void aStoppedMember_isNotWatched() {
        InMemoryMembership view = new InMemoryMembership(0);
        view.stop();
        try (QuorumWatch w = watch(view)) {
            clock.jump(Duration.ofSeconds(30));
            clock.advance(Duration.ofSeconds(1));
        }
        assertThat(fenced).isEmpty();
    }

    @Test
    void suspendedThreshold_isTheHeartbeatTimeoutLessOneInterval() {
        assertThat(QuorumWatch.suspendedThreshold(1, 5)).isEqualTo(Duration.ofSeconds(4));
        assertThat(QuorumWatch.suspendedThreshold(1, 60)).isEqualTo(Duration.ofSeconds(59));
        assertThat(QuorumWatch.suspendedThreshold(2, 10)).isEqualTo(Duration.ofSeconds(8));
    }

    @Test
    void suspendedThreshold_neverBelowOneSecond_soASlowCheckIsNoFalseAlarm() {
        assertThat(QuorumWatch.suspendedThreshold(1, 2)).isEqualTo(Duration.ofSeconds(1));
        assertThat(QuorumWatch.suspendedThreshold(5, 5)).isEqualTo(Duration.ofSeconds(1));
    }
}
