package org.openpair.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

/** Nearest-rank percentiles and the report's number formats. Run: {@code mvn -pl bench -am test -Dtest=StatsTest -Dsurefire.failIfNoSpecifiedTests=false}. */
class StatsTest {

    @Test
    void nearestRank_ofOneToHundred_isTheRankItself() {
        long[] values = LongStream.rangeClosed(1, 100).map(i -> 101 - i).toArray();
        Stats s = Stats.of(values);
        assertThat(s).isEqualTo(new Stats(100, 50, 99, 100));
    }

    @Test
    void nearestRank_smallSamples_takeObservedValues() {
        assertThat(Stats.of(new long[] {7})).isEqualTo(new Stats(1, 7, 7, 7));
        assertThat(Stats.of(new long[] {30, 10, 20})).isEqualTo(new Stats(3, 20, 30, 30));
        assertThat(Stats.of(new long[] {1, 2, 3, 4})).isEqualTo(new Stats(4, 2, 4, 4));
        // 1000 samples: p99 is the 990th smallest, not an interpolation.
        Stats thousand = Stats.of(LongStream.rangeClosed(1, 1000).toArray());
        assertThat(thousand.p50()).isEqualTo(500);
        assertThat(thousand.p99()).isEqualTo(990);
    }

    @Test
    void samples_growAndRefuseNonsense() {
        Samples s = new Samples("x", 1);
        for (int i = 1; i <= 40; i++) {
            s.add(i);
        }
        assertThat(s.stats()).isEqualTo(new Stats(40, 20, 40, 40));
        assertThatThrownBy(() -> s.add(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Samples("empty", 10).stats()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void jsonLine_escapesAndRounds() {
        String line = new JsonLine().put("s", "a\"b\\c\n").put("n", 3).put("d", 1.25, 1).put("nan", Double.NaN, 2)
                .toString();
        assertThat(line).isEqualTo("{\"s\":\"a\\\"b\\\\c\\n\",\"n\":3,\"d\":1.3,\"nan\":null}");
    }

    @Test
    void jsonLine_neverWritesAFigureThatIsNotZeroAsZero() {
        String line = new JsonLine().put("ratio", 0.0033, 2).put("neg", -0.0004567, 2).put("zero", 0.0, 2)
                .put("whole", 0.4, 0).put("kept", 0.006, 2).toString();
        assertThat(line).isEqualTo("{\"ratio\":0.0033,\"neg\":-0.00046,\"zero\":0.00,\"whole\":0.4,\"kept\":0.01}");
    }

    @Test
    void split_spreadsTheRemainder() {
        assertThat(SpawnBenchmark.split(10, 4)).containsExactly(3, 3, 2, 2);
        assertThat(SpawnBenchmark.split(2000, 4)).containsExactly(500, 500, 500, 500);
    }
}
