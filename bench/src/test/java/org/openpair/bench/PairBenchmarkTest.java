package org.openpair.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.hazelcast.internal.json.Json;
import com.hazelcast.internal.json.JsonObject;
import com.hazelcast.internal.json.JsonValue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.launch.Logging;

/**
 * Runs {@code guardian bench checkpoint --smoke} and {@code guardian bench takeover --smoke} in
 * this JVM (each with CPU 1 as a child JVM, killed and frozen for real) and checks the shape of
 * what they print: every case with its count, ordered percentiles, DESIGN.md's JSON fields, the
 * targets. Never the speed: the machines are shared and noisy. Run:
 * {@code mvn -pl bench -am test -Dtest=PairBenchmarkTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class PairBenchmarkTest {
    private static final CheckpointBenchmark.Counts CP = CheckpointBenchmark.Counts.smoke();
    private static final TakeoverBenchmark.Counts TK = TakeoverBenchmark.Counts.smoke();

    private static PairBenchReport checkpoint;
    private static PairBenchReport takeover;
    private static String progress;

    @BeforeAll
    static void runSmokes() {
        Logging.configure(System.Logger.Level.WARNING, System.Logger.Level.OFF);
        StringWriter err = new StringWriter();
        PrintWriter out = new PrintWriter(err, true);
        long t0 = System.nanoTime();
        checkpoint = new CheckpointBenchmark(CP, out).run();
        long t1 = System.nanoTime();
        takeover = new TakeoverBenchmark(TK, out).run();
        long t2 = System.nanoTime();
        progress = err.toString();
        System.out.printf("bench checkpoint --smoke took %.1f s, bench takeover --smoke %.1f s%n", (t1 - t0) / 1e9,
                (t2 - t1) / 1e9);
    }

    private static Map<String, Integer> checkpointCases() {
        Map<String, Integer> n = new LinkedHashMap<>();
        for (String c : List.of("checkpoint-rtt-100B", "checkpoint-rtt-100B-spin", "checkpoint-rtt-4KiB",
                "tcp-rtt-spinning", "tcp-rtt-spinning-4KiB")) {
            n.put(c, CP.samples());
        }
        n.put("hz-imap-set", CP.imapSets());
        return n;
    }

    private static Map<String, Integer> takeoverCases() {
        Map<String, Integer> n = new LinkedHashMap<>();
        for (String c : List.of("process-stop", "process-abend")) {
            for (String part : List.of("", "-name", "-primary", "-promoted")) {
                n.put(c + part, TK.processRuns());
            }
        }
        for (var e : Map.of("cpu-kill9", TK.kill9Runs(), "cpu-kill9-engine", TK.kill9Runs(),
                "cpu-sigstop", TK.sigstopRuns(), "cpu-sigstop-engine", TK.sigstopRuns()).entrySet()) {
            for (String part : List.of("", "-name", "-primary", "-promoted", "-after-detection")) {
                n.put(e.getKey() + part, e.getValue());
            }
        }
        n.put("hz-imap-set", TK.imapSets());
        n.put("hz-imap-set-idle", TK.idleSets());
        n.put("hz-member-removed", TK.kill9Runs());
        n.put("hz-member-removed-sigstop", TK.sigstopRuns());
        return n;
    }

    @Test
    void checkpoint_everyCaseIsThere_withItsCount_andOrderedPercentiles() {
        assertCases(checkpoint, checkpointCases(), true);
        assertThat(checkpoint.throughputs()).hasSize(1);
        PairBenchReport.Throughput t = checkpoint.throughputs().get(0);
        assertThat(t.name()).isEqualTo("checkpoint-async-100B");
        assertThat(t.n()).isEqualTo(CP.pipelined());
        assertThat(t.runs()).hasSize(CP.runs()).allSatisfy(r -> assertThat(r).isPositive());
        assertThat(checkpoint.latency("checkpoint-rtt-100B").baseline()).isEqualTo("tcp-rtt-spinning");
        assertThat(checkpoint.latency("checkpoint-rtt-4KiB").baseline()).isEqualTo("tcp-rtt-spinning-4KiB");
        assertThat(checkpoint.latency("checkpoint-rtt-100B-spin").baseline()).isEqualTo("tcp-rtt-spinning");
        assertThat(checkpoint.targets()).extracting(PairBenchReport.Target::caseName)
                .containsExactly("checkpoint-rtt-100B", "checkpoint-async-100B");
    }

    @Test
    void takeover_everyCaseIsThere_withItsCount_andOrderedPercentiles() {
        assertCases(takeover, takeoverCases(), false);
        assertThat(takeover.latency("cpu-kill9").baseline()).isEqualTo("hz-member-removed");
        assertThat(takeover.latency("cpu-kill9-engine").baseline()).isEqualTo("hz-member-removed");
        assertThat(takeover.latency("cpu-sigstop").baseline()).isEqualTo("hz-member-removed-sigstop");
        assertThat(takeover.latency("cpu-sigstop-engine").baseline()).isEqualTo("hz-member-removed-sigstop");
        assertThat(takeover.latency("process-stop").baseline()).isEqualTo("hz-imap-set-idle");
        // The takeover is the later of the name and the new primary, and after the fault.
        for (String c : List.of("process-stop", "process-abend", "cpu-kill9", "cpu-kill9-engine", "cpu-sigstop",
                "cpu-sigstop-engine")) {
            Stats total = takeover.latency(c).stats();
            assertThat(total.p50()).as(c).isPositive();
            assertThat(total.max()).as(c).isGreaterThanOrEqualTo(takeover.latency(c + "-name").stats().max())
                    .isGreaterThanOrEqualTo(takeover.latency(c + "-primary").stats().max());
        }
        assertThat(takeover.targets()).extracting(PairBenchReport.Target::caseName).containsExactly(
                "process-stop", "process-abend", "cpu-kill9", "cpu-sigstop", "cpu-sigstop-engine",
                "cpu-sigstop-engine-after-detection");
    }

    @Test
    void jsonLines_haveTheDesignShape() {
        assertJson(checkpoint, "checkpoint", checkpointCases(), "us", List.of("checkpoint-async-100B"));
        assertJson(takeover, "takeover", takeoverCases(), "ms", List.of());
    }

    @Test
    void tables_showTheMachine_theCases_andTheTargets() {
        for (PairBenchReport r : List.of(checkpoint, takeover)) {
            StringWriter table = new StringWriter();
            r.printTable(new PrintWriter(table));
            String text = table.toString();
            String[] rows = text.split("\\R");
            assertThat(rows[0]).startsWith("machine: ").contains("cores").contains("Hazelcast");
            assertThat(rows[1]).startsWith("bench " + r.bench() + ": node \\PB");
            assertThat(rows[2]).startsWith("case").contains("p50 " + r.unit().suffix(), "p99 " + r.unit().suffix(),
                    "max " + r.unit().suffix(), "baseline");
            for (PairBenchReport.Latency c : r.latencies()) {
                assertThat(text).containsPattern("(?m)^ *" + c.name() + " +" + c.stats().n() + " ");
            }
            assertThat(text).contains("targets:").containsPattern("(?m)^  (MET|MISSED) ");
        }
        assertThat(progress).contains("bench checkpoint: done in", "bench takeover: done in");
    }

    static void assertCases(PairBenchReport r, Map<String, Integer> expected, boolean positive) {
        List<String> names = new ArrayList<>();
        for (PairBenchReport.Latency c : r.latencies()) {
            names.add(c.name());
            Stats s = c.stats();
            assertThat(s.n()).as(c.name()).isEqualTo(expected.get(c.name()));
            if (positive || !c.name().endsWith("-after-detection")) {
                assertThat(s.p50()).as(c.name()).isPositive();
            }
            assertThat(s.p50()).as(c.name()).isLessThanOrEqualTo(s.p99());
            assertThat(s.p99()).as(c.name()).isLessThanOrEqualTo(s.max());
        }
        assertThat(names).containsExactlyInAnyOrderElementsOf(expected.keySet());
    }

    private static void assertJson(PairBenchReport r, String bench, Map<String, Integer> latencies, String unit,
                                   List<String> throughputs) {
        List<String> lines = r.jsonLines();
        assertThat(lines).hasSize(1 + latencies.size() + throughputs.size());
        JsonObject machine = object(lines.get(0));
        assertThat(machine.getString("bench", null)).isEqualTo("machine");
        assertThat(machine.getInt("cores", 0)).isPositive();
        for (String field : List.of("cpu", "jvm", "os", "hazelcast", "date")) {
            assertThat(machine.getString(field, "")).as(field).isNotBlank();
        }
        List<String> cases = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            JsonObject o = object(line);
            String name = o.getString("case", null);
            cases.add(name);
            assertThat(o.getString("bench", null)).isEqualTo(bench);
            if (throughputs.contains(name)) {
                assertThat(o.getInt("n", -1)).isPositive();
                assertThat(number(o, "ops_per_s")).isPositive();
                assertThat(o.getInt("window", -1)).isPositive();
                assertThat(o.get("target_met").isBoolean()).isTrue();
                continue;
            }
            assertThat(o.getInt("n", -1)).as(name).isEqualTo(latencies.get(name));
            double p50 = number(o, "p50_" + unit);
            double p99 = number(o, "p99_" + unit);
            double max = number(o, "max_" + unit);
            assertThat(p50).as(name).isLessThanOrEqualTo(p99);
            assertThat(p99).as(name).isLessThanOrEqualTo(max);
            String baseline = r.latency(name).baseline();
            if (baseline == null) {
                assertThat(o.get("baseline")).as("a baseline's own line: " + name).isNull();
            } else {
                assertThat(o.getString("baseline", null)).isEqualTo(baseline);
                assertThat(latencies).containsKey(baseline);
                assertThat(number(o, "baseline_p50_" + unit)).isPositive();
                assertThat(number(o, "ratio_p50")).as(name).isNotNegative();
            }
            if (r.targets().stream().anyMatch(t -> t.caseName().equals(name))) {
                assertThat(o.getString("target", "")).isNotBlank();
                assertThat(o.get("target_met").isBoolean()).isTrue();
            }
        }
        List<String> expected = new ArrayList<>(latencies.keySet());
        expected.addAll(throughputs);
        assertThat(cases).containsExactlyInAnyOrderElementsOf(expected);
    }

    static JsonObject object(String line) {
        assertThat(line).doesNotContain("\n");
        JsonValue v = Json.parse(line);
        assertThat(v.isObject()).as(line).isTrue();
        return v.asObject();
    }

    static double number(JsonObject o, String field) {
        JsonValue v = o.get(field);
        assertThat(v).as(field + " in " + o).isNotNull();
        assertThat(v.isNumber()).as(field + " in " + o).isTrue();
        return v.asDouble();
    }
}
