package org.openpair.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** The harness's own pieces that need no CPU JVM: waits, port blocks, /proc parsing. */
class HarnessTest {

    @Test
    void awaitCondition_returnsOnceTheConditionHolds() {
        AtomicInteger polls = new AtomicInteger();
        TestCluster.awaitCondition("the third poll", Duration.ofSeconds(30), () -> polls.incrementAndGet() >= 3);
        assertThat(polls).hasValue(3);
    }

    @Test
    void awaitCondition_failsWithTheDescription_andTheLastExceptionOfTheCondition() {
        assertThatThrownBy(() -> TestCluster.awaitCondition("something that never happens", Duration.ofMillis(100), () -> {
            throw new IllegalStateException("node in flux");
        })).isInstanceOf(AssertionError.class)
                .hasMessageContaining("something that never happens")
                .hasMessageContaining("node in flux");
    }

    @Test
    void awaitCondition_stopsAtOnceOnAFailedAssertionInTheCondition() {
        AtomicInteger polls = new AtomicInteger();
        assertThatThrownBy(() -> TestCluster.awaitCondition("x", Duration.ofSeconds(30), () -> {
            polls.incrementAndGet();
            throw new AssertionError("the process exited");
        })).hasMessage("the process exited");
        assertThat(polls).hasValue(1);
    }

    @Test
    void assertStaysTrue_failsAtTheFirstPollOnWhichTheConditionIsFalse() {
        AtomicInteger polls = new AtomicInteger();
        assertThatThrownBy(() -> TestCluster.assertStaysTrue("the entry stays", Duration.ofSeconds(30),
                () -> polls.incrementAndGet() < 3))
                .isInstanceOf(AssertionError.class).hasMessageContaining("the entry stays");
        assertThat(polls).hasValue(3);
        TestCluster.assertStaysTrue("true stays true", Duration.ofMillis(60), () -> true);
    }

    @Test
    void freeBlock_isAllFreeOnLoopback_withinTheDrawnRange() {
        int base = TestPorts.freeBlock(16);
        assertThat(base).isBetween(TestPorts.LOWEST, TestPorts.HIGHEST - 16);
        assertThat(TestPorts.allFree(base, 16)).isTrue();
    }

    @Test
    void procStat_parsesACommandNameWithSpacesAndParentheses() {
        String line = "4242 (we ird) (name) S 17 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10"
                + " 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
        ProcStat s = ProcStat.parse(4242, line);
        assertThat(s.state()).isEqualTo('S');
        assertThat(s.ppid()).isEqualTo(17);
        assertThat(s.startTicks()).isEqualTo(987654);
        assertThat(s.isZombie()).isFalse();
    }

    @Test
    void procStat_ofThisJvm_isRunning() {
        ProcStat self = ProcStat.of(ProcessHandle.current().pid()).orElseThrow();
        assertThat(self.isStillRunning()).isTrue();
        assertThat(self.ppid()).isPositive();
    }
}
