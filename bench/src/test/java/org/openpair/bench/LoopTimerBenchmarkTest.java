package org.openpair.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import com.hazelcast.internal.json.Json;
import com.hazelcast.internal.json.JsonObject;

import org.junit.jupiter.api.Test;

/**
 * Runs {@code guardian bench looptimer --smoke} in this JVM and checks the shape of its report:
 * both cases, their counts, ordered percentiles, the JSON fields. Never the speed.
 * Run: {@code mvn -pl bench -am test -Dtest=LoopTimerBenchmarkTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class LoopTimerBenchmarkTest {
    static {
        org.openpair.emulator.launch.Logging.configure(System.Logger.Level.WARNING, false);
    }

    @Test
    void smoke_reportsLatenessOfEachFiring_andTheRawPollBaseline() {
        LoopTimerBenchmark.Counts smoke = LoopTimerBenchmark.Counts.smoke();
        BenchReport report = new LoopTimerBenchmark(smoke, new PrintWriter(new StringWriter(), true)).run();
        assertThat(report.cases()).extracting(BenchReport.Case::name).containsExactly(LoopTimerBenchmark.CASE);
        assertThat(report.baseline().name()).isEqualTo(LoopTimerBenchmark.BASELINE);
        for (BenchReport.Case c : List.of(report.cases().get(0), report.baseline())) {
            Stats s = c.stats();
            assertThat(s.n()).as(c.name()).isEqualTo(smoke.firings());
            assertThat(s.p50()).as(c.name()).isLessThanOrEqualTo(s.p99());
            // A firing is never far early: the budget is CPU time the spinner really used.
            assertThat(s.p50()).as(c.name() + " p50 ns").isGreaterThan(-5_000_000L);
        }
        List<String> lines = report.jsonLines();
        assertThat(lines).hasSize(3);
        JsonObject measured = Json.parse(lines.get(1)).asObject();
        assertThat(measured.getString("bench", null)).isEqualTo("looptimer");
        assertThat(measured.getString("case", null)).isEqualTo(LoopTimerBenchmark.CASE);
        assertThat(measured.getInt("n", 0)).isEqualTo(smoke.firings());
        for (String f : List.of("p50_ms", "p99_ms", "max_ms", "baseline_p50_ms", "ratio_p50")) {
            assertThat(measured.get(f)).as(f).isNotNull();
        }
        assertThat(measured.getString("baseline", null)).isEqualTo(LoopTimerBenchmark.BASELINE);
    }
}
