package org.openpair.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.hazelcast.internal.json.Json;
import com.hazelcast.internal.json.JsonObject;
import com.hazelcast.internal.json.JsonValue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openpair.emulator.launch.Logging;

/**
 * Runs {@code guardian bench spawn --smoke} in this JVM and checks the shape of what it prints
 * (every case, the counts, ordered percentiles, DESIGN.md's JSON fields), never the speed: the
 * machines are shared and noisy. Run: {@code mvn -pl bench -am test -Dtest=SpawnBenchmarkTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class SpawnBenchmarkTest {
    private static final SpawnBenchmark.Counts SMOKE = SpawnBenchmark.Counts.smoke();
    private static final List<String> MEASURED = List.of("hosted-spawn-stop", "hosted-spawn", "hosted-stop",
            "os-spawn-stop", "os-spawn", "os-stop", "lookup-remote", "lookup-local",
            "lookup-remote-uncached");
    private static final Map<String, Integer> N = Map.of("hosted-spawn-stop", SMOKE.hosted(),
            "hosted-spawn", SMOKE.hosted(), "hosted-stop", SMOKE.hosted(), "os-spawn-stop", SMOKE.os(),
            "os-spawn", SMOKE.os(), "os-stop", SMOKE.os(), "lookup-remote", SMOKE.lookups(),
            "lookup-local", SMOKE.lookups(), "lookup-remote-uncached", SMOKE.lookups(), "hz-imap-get", SMOKE.lookups());

    private static BenchReport report;
    private static String progress;

    @BeforeAll
    static void runSmoke() {
        Logging.configure(System.Logger.Level.WARNING, false);
        StringWriter err = new StringWriter();
        long t0 = System.nanoTime();
        report = new SpawnBenchmark(SMOKE, new PrintWriter(err, true)).run();
        progress = err.toString();
        System.out.printf("bench spawn --smoke took %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.SECONDS)
    void everyCaseIsThere_withItsCount_andOrderedPercentiles() {
        List<String> names = new ArrayList<>();
        for (BenchReport.Case c : report.cases()) {
            names.add(c.name());
        }
        assertThat(names).containsExactlyElementsOf(MEASURED);
        List<BenchReport.Case> all = new ArrayList<>(report.cases());
        all.add(report.baseline());
        assertThat(report.baseline().name()).isEqualTo("hz-imap-get");
        for (BenchReport.Case c : all) {
            Stats s = c.stats();
            assertThat(s.n()).as(c.name()).isEqualTo(N.get(c.name()));
            assertThat(s.p50()).as(c.name()).isPositive().isLessThanOrEqualTo(s.p99());
            assertThat(s.p99()).as(c.name()).isLessThanOrEqualTo(s.max());
        }
    }

    @Test
    void jsonLines_haveTheDesignShape() {
        List<String> lines = report.jsonLines();
        assertThat(lines).hasSize(1 + MEASURED.size() + 1);

        JsonObject machine = object(lines.get(0));
        assertThat(machine.getString("bench", null)).isEqualTo("machine");
        assertThat(machine.getInt("cores", 0)).isPositive();
        for (String field : List.of("cpu", "jvm", "os", "hazelcast", "date")) {
            assertThat(machine.getString(field, "")).as(field).isNotBlank();
        }
        assertThat(machine.get("load")).as("load").isNotNull();

        List<String> cases = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            JsonObject o = object(line);
            String name = o.getString("case", null);
            cases.add(name);
            assertThat(o.getString("bench", null)).isEqualTo("spawn");
            assertThat(o.getInt("n", -1)).as(name).isEqualTo(N.get(name));
            double p50 = number(o, "p50_us");
            double p99 = number(o, "p99_us");
            double max = number(o, "max_us");
            assertThat(p50).as(name).isPositive().isLessThanOrEqualTo(p99);
            assertThat(p99).as(name).isLessThanOrEqualTo(max);
            if (name.equals("hz-imap-get")) {
                assertThat(o.get("baseline")).as("the baseline's own line").isNull();
            } else {
                assertThat(o.getString("baseline", null)).isEqualTo("hz-imap-get");
                assertThat(number(o, "baseline_p50_us")).isPositive();
                assertThat(number(o, "ratio_p50")).as(name).isPositive();
            }
        }
        List<String> expected = new ArrayList<>(MEASURED);
        expected.add("hz-imap-get");
        assertThat(cases).containsExactlyElementsOf(expected);
    }

    @Test
    void theCachedRemoteLookups_wereAnsweredFromCpu0sCache_withoutATableReadOfTheName() {
        BenchReport.Case remote = report.cases().stream().filter(c -> c.name().equals("lookup-remote")).findFirst()
                .orElseThrow();
        assertThat(remote.note()).contains("(" + SMOKE.lookups() + " hits, 0 table reads)");
    }

    @Test
    void table_showsTheMachine_thenEveryCase() {
        StringWriter table = new StringWriter();
        report.printTable(new PrintWriter(table));
        String[] rows = table.toString().split("\\R");
        assertThat(rows[0]).startsWith("machine: ").contains("cores").contains("Hazelcast");
        assertThat(rows[1]).startsWith("bench spawn: node \\BENCH");
        assertThat(rows[2]).startsWith("case").contains("p50 us", "p99 us", "max us");
        for (String name : MEASURED) {
            assertThat(table.toString()).containsPattern("(?m)^" + name + " +" + N.get(name) + " .*x ");
        }
        assertThat(rows[rows.length - 1]).startsWith("hz-imap-get").contains("baseline");
        assertThat(progress).contains("done in");
    }

    private static JsonObject object(String line) {
        assertThat(line).doesNotContain("\n");
        JsonValue v = Json.parse(line);
        assertThat(v.isObject()).as(line).isTrue();
        return v.asObject();
    }

    private static double number(JsonObject o, String field) {
        JsonValue v = o.get(field);
        assertThat(v).as(field + " in " + o).isNotNull();
        assertThat(v.isNumber()).as(field + " in " + o).isTrue();
        return v.asDouble();
    }
}
