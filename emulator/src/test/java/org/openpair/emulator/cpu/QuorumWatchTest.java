package org.openpair.emulator.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** The rule by which a CPU that could not run decides it may have been declared down. */
class QuorumWatchTest {

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
