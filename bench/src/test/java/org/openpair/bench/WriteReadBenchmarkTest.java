package org.openpair.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.hazelcast.internal.json.JsonObject;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.launch.Logging;

/**
 * Runs {@code guardian bench writeread --smoke} in this JVM (CPU 1 a child JVM, the server pair's
 * primary there) and checks the shape of what it prints: every case with its count, ordered
 * percentiles, the baselines, one throughput case per client count for WRITEREAD and for the
 * executor, DESIGN.md's JSON fields, both targets, and the note on the server's counts. Never the
 * speed: the machines are shared and noisy. Run: {@code mvn -pl bench -am test -Dtest=WriteReadBenchmarkTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class WriteReadBenchmarkTest {
    private static final WriteReadBenchmark.Counts SMOKE = WriteReadBenchmark.Counts.smoke();

    private static PairBenchReport report;
    private static String progress;

    @BeforeAll
    static void runSmoke() {
        Logging.configure(System.Logger.Level.WARNING, System.Logger.Level.OFF);
        StringWriter err = new StringWriter();
        long t0 = System.nanoTime();
        report = new WriteReadBenchmark(SMOKE, new PrintWriter(err, true)).run();
        progress = err.toString();
        System.out.printf("bench writeread --smoke took %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    private static Map<String, Integer> latencyCases() {
        Map<String, Integer> n = new LinkedHashMap<>();
        for (String c : List.of("writeread-rtt-100B", "writeread-rtt-100B-request", "writeread-rtt-100B-server",
                "writeread-rtt-4KiB", "writeread-rtt-4KiB-request", "writeread-rtt-4KiB-server", "tcp-rtt-spinning",
                "tcp-rtt-spinning-4KiB", "tcp-rtt-parked", "tcp-rtt-parked-4KiB", "hz-executor-rtt-100B",
                "hz-executor-rtt-4KiB")) {
            n.put(c, SMOKE.samples());
        }
        return n;
    }

    private static List<String> throughputCases() {
        List<String> names = new ArrayList<>();
        for (int c : SMOKE.clients()) {
            names.add("writeread-100B-clients-" + c);
            names.add("hz-executor-100B-clients-" + c);
            names.add("writeread-100B-nowait-opens-" + c);
        }
        return names;
    }

    @Test
    void everyLatencyCaseIsThere_withItsCount_itsBaseline_andOrderedPercentiles() {
        PairBenchmarkTest.assertCases(report, latencyCases(), true);
        // The requester polls its link for its reply before it parks: the spinning floor's model.
        assertThat(report.latency("writeread-rtt-100B").baseline()).isEqualTo("tcp-rtt-spinning");
        assertThat(report.latency("writeread-rtt-4KiB").baseline()).isEqualTo("tcp-rtt-spinning-4KiB");
        for (String c : List.of("writeread-rtt-100B", "writeread-rtt-4KiB")) {
            assertThat(report.latency(c).extra()).as(c).extracting(PairBenchReport.Field::key)
                    .contains("ratio_p50_parked", "ratio_p50_hz_executor");
        }
        assertThat(report.latency("tcp-rtt-spinning").baseline()).isNull();
        assertThat(report.latency("writeread-rtt-100B-server").detail()).isTrue();
        assertThat(report.latency("writeread-rtt-100B-request").detail()).isTrue();
        assertThat(report.latency("hz-executor-rtt-100B").baseline()).isNull();
        assertThat(report.latency("tcp-rtt-parked").baseline()).isNull();
        // The parts are parts: never more than the whole at the median.
        for (String c : List.of("writeread-rtt-100B", "writeread-rtt-4KiB")) {
            for (String part : List.of("-request", "-server")) {
                assertThat(report.latency(c + part).stats().p50()).as(c + part)
                        .isLessThanOrEqualTo(report.latency(c).stats().p50());
            }
        }
    }

    @Test
    void threeThroughputCasesPerClientCount_threads_executor_nowaitOpens_withEveryRun() {
        assertThat(report.throughputs()).extracting(PairBenchReport.Throughput::name)
                .containsExactlyElementsOf(throughputCases());
        for (PairBenchReport.Throughput t : report.throughputs()) {
            int clients = Integer.parseInt(t.name().substring(t.name().lastIndexOf('-') + 1));
            assertThat(t.window()).as(t.name()).isEqualTo(clients);
            assertThat(t.n()).as(t.name()).isEqualTo(SMOKE.requests());
            assertThat(t.runs()).as(t.name()).hasSize(SMOKE.runs()).allSatisfy(r -> assertThat(r).isPositive());
            assertThat(t.extra()).as(t.name()).extracting(PairBenchReport.Field::key)
                    .contains("baseline", "baseline_ops_per_s", "ratio_ops_per_s");
            assertThat(t.extra()).filteredOn(f -> f.key().equals("baseline")).extracting(PairBenchReport.Field::value)
                    .containsExactly("tcp-rtt-parked");
        }
    }

    @Test
    void targets_areTheIssues_onTheBestClientCount() {
        assertThat(report.targets()).hasSize(2);
        PairBenchReport.Target latency = report.targets().get(0);
        assertThat(latency.caseName()).isEqualTo("writeread-rtt-100B");
        assertThat(latency.target()).isEqualTo("p50 <= 2.5x tcp-rtt-spinning");
        double ratio = report.ratio(report.latency("writeread-rtt-100B"));
        assertThat(latency.met()).isEqualTo(ratio <= 2.5);
        assertThat(latency.margin()).startsWith(latency.met() ? "met" : "missed");

        PairBenchReport.Target rate = report.targets().get(1);
        double best = report.throughputs().stream().filter(t -> t.name().startsWith("writeread-"))
                .mapToDouble(PairBenchReport.Throughput::opsPerSecond).max().orElseThrow();
        PairBenchReport.Throughput bestCase = report.throughputs().stream()
                .filter(t -> t.opsPerSecond() == best && t.name().startsWith("writeread-")).findFirst().orElseThrow();
        assertThat(rate.caseName()).isEqualTo(bestCase.name());
        assertThat(rate.target()).isEqualTo("ops_per_s >= 200000");
        assertThat(rate.met()).isEqualTo(best >= 200_000);
    }

    @Test
    void jsonLines_haveTheDesignShape() {
        List<String> lines = report.jsonLines();
        assertThat(lines).hasSize(1 + latencyCases().size() + throughputCases().size());
        assertThat(PairBenchmarkTest.object(lines.get(0)).getString("bench", null)).isEqualTo("machine");
        List<String> cases = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            JsonObject o = PairBenchmarkTest.object(line);
            String name = o.getString("case", null);
            cases.add(name);
            assertThat(o.getString("bench", null)).isEqualTo("writeread");
            if (name.contains("-clients-") || name.contains("-nowait-opens-")) {
                assertThat(PairBenchmarkTest.number(o, "ops_per_s")).as(name).isPositive();
                assertThat(o.getInt("window", -1)).as(name).isPositive();
                if (name.startsWith("writeread-")) {
                    assertThat(o.getInt("clients", -1)).isEqualTo(o.getInt("window", -2));
                    assertThat(PairBenchmarkTest.number(o, "ratio_hz_executor")).as(name).isPositive();
                }
                continue;
            }
            assertThat(o.getInt("n", -1)).as(name).isEqualTo(SMOKE.samples());
            assertThat(PairBenchmarkTest.number(o, "p50_us")).as(name)
                    .isLessThanOrEqualTo(PairBenchmarkTest.number(o, "p99_us"));
            if (name.equals("writeread-rtt-100B") || name.equals("writeread-rtt-4KiB")) {
                assertThat(PairBenchmarkTest.number(o, "ratio_p50")).isPositive();
                assertThat(PairBenchmarkTest.number(o, "ratio_p50_hz_executor")).isPositive();
            }
        }
        assertThat(lines.stream().filter(l -> l.contains("\"target_met\"")).count()).isEqualTo(2);
        List<String> expected = new ArrayList<>(latencyCases().keySet());
        expected.addAll(throughputCases());
        assertThat(cases).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void table_showsTheMachine_theCases_theTargets_andTheServersCounts() {
        StringWriter table = new StringWriter();
        report.printTable(new PrintWriter(table));
        String text = table.toString();
        String[] rows = text.split("\\R");
        assertThat(rows[0]).startsWith("machine: ").contains("cores", "Hazelcast");
        assertThat(rows[1]).startsWith("bench writeread: node \\PB").contains("pair $WRB");
        for (PairBenchReport.Latency c : report.latencies()) {
            assertThat(text).containsPattern("(?m)^ *" + c.name() + " +" + c.stats().n() + " ");
        }
        for (String t : throughputCases()) {
            assertThat(text).containsPattern("(?m)^" + t + " +" + SMOKE.requests() + " ");
        }
        assertThat(text).contains("targets:").containsPattern("(?m)^  (MET|MISSED) +writeread-rtt-100B: ")
                .containsPattern("(?m)^  (MET|MISSED) +writeread-100B-(clients|nowait-opens)-\\d+: ");
        assertThat(text).containsPattern("note: the server executed (\\d+) requests and the clients got \\1 replies");
        // Without --metrics the CPUs open no metrics port, and the report says so.
        assertThat(text).contains("note: metrics off (no metrics-port)");
        assertThat(progress).contains("; metrics off").contains("bench writeread: done in");
    }
}
