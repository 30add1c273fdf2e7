package org.openpair.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class FaultPlanTest {
    private static final List<ChaosPair> PAIRS = ChaosRun.pairs(3);

    @Test
    void sameSeed_samePlan_otherSeed_otherPlan() {
        assertThat(FaultPlan.make(42, 50, PAIRS, 5, 0)).isEqualTo(FaultPlan.make(42, 50, PAIRS, 5, 0));
        assertThat(FaultPlan.make(42, 50, PAIRS, 5, 0)).isNotEqualTo(FaultPlan.make(43, 50, PAIRS, 5, 0));
    }

    @Test
    void twoHundredFaults_everyKindAtLeastTenTimes() {
        Map<FaultKind, Integer> n = count(FaultPlan.make(7, 200, PAIRS, 5, 0));
        for (FaultKind k : FaultKind.values()) {
            assertThat(n.getOrDefault(k, 0)).as(k.key()).isGreaterThanOrEqualTo(10);
        }
    }

    @Test
    void asManyFaultsAsKinds_everyKindOnce() {
        assertThat(count(FaultPlan.make(1, FaultKind.values().length, PAIRS, 5, 0))).hasSize(FaultKind.values().length);
    }

    @Test
    void targetsAndParameters_fitTheirKind() {
        for (Fault f : FaultPlan.make(99, 200, PAIRS, 5, 0)) {
            assertThat(FaultPlan.fits(f.kind(), PAIRS.get(f.pair()))).as(f.toString()).isTrue();
            if (f.kind() == FaultKind.SWITCH_THEN_KILL) {
                assertThat(f.millis()).isBetween(0L, 500L);
            }
            if (f.kind() == FaultKind.PAUSE_PRIMARY_CPU) {
                assertThat(f.millis()).isBetween(500L, 2500L);
            }
        }
    }

    @Test
    void withALease_pausesFallJustBelowOrJustAboveIt_bothKinds() {
        List<Long> pauses = FaultPlan.make(11, 200, PAIRS, 5, 1000).stream()
                .filter(f -> f.kind() == FaultKind.PAUSE_PRIMARY_CPU).map(Fault::millis).toList();
        assertThat(pauses).isNotEmpty().allSatisfy(ms -> assertThat(ms).satisfiesAnyOf(
                m -> assertThat(m).isBetween(700L, 950L), m -> assertThat(m).isBetween(1050L, 1500L)));
        assertThat(pauses).anySatisfy(ms -> assertThat(ms).isLessThan(1000L));
        assertThat(pauses).anySatisfy(ms -> assertThat(ms).isGreaterThan(1000L));
    }

    private static Map<FaultKind, Integer> count(List<Fault> plan) {
        Map<FaultKind, Integer> n = new EnumMap<>(FaultKind.class);
        plan.forEach(f -> n.merge(f.kind(), 1, Integer::sum));
        return n;
    }
}
