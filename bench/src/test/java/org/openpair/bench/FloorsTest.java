package org.openpair.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.lang.System.Logger.Level;

import com.hazelcast.internal.json.JsonObject;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.cli.ExitCodes;
import org.openpair.emulator.launch.Logging;

/**
 * Runs {@code guardian bench floors --smoke --json} in this JVM (CPU 1 a child JVM, killed for
 * real) and checks the shape of what it prints: the machine line, then every floor once, with
 * its count, positive and ordered percentiles in its unit, and the serial rate of the
 * microsecond floors; a bench line divided by a measured floor carries its baseline fields and
 * a positive ratio. Never the speed. Bad counts are refused with exit code 2 before a node
 * starts. Run: {@code mvn -pl bench -am test -Dtest=FloorsTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class FloorsTest {
    private static final Floors.Counts SMOKE = Floors.Counts.smoke();
    private static final List<String> FLOORS = List.of("tcp-rtt-parked", "tcp-rtt-spinning", "hz-imap-set",
            "hz-imap-set-idle", "hz-imap-get", "hz-member-removed");

    private static BenchWriteReadOptionsTest.Result smoke;

    private static BenchWriteReadOptionsTest.Result run(String... args) {
        return BenchWriteReadOptionsTest.run(args);
    }

    @BeforeAll
    static void runSmoke() {
        Logging.configure(Level.WARNING, Level.OFF);
        long t0 = System.nanoTime();
        smoke = run("bench", "floors", "--smoke", "--json");
        System.out.printf("bench floors --smoke took %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    @Test
    void json_isTheMachine_thenEveryFloorOnce_withPositiveOrderedFigures() {
        assertThat(smoke.exit()).as(smoke.err()).isEqualTo(ExitCodes.OK);
        String[] lines = smoke.out().strip().split("\n");
        assertThat(lines).hasSize(1 + FLOORS.size());
        JsonObject machine = PairBenchmarkTest.object(lines[0]);
        assertThat(machine.getString("bench", null)).isEqualTo("machine");
        assertThat(machine.getInt("cores", 0)).isPositive();
        assertThat(machine.getString("date", "")).isNotBlank();
        List<String> names = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            JsonObject o = PairBenchmarkTest.object(lines[i]);
            String name = o.getString("case", null);
            names.add(name);
            assertThat(o.getString("bench", null)).as(name).isEqualTo("floors");
            int expectedN = switch (name) {
                case "hz-member-removed" -> SMOKE.kills();
                case "hz-imap-set-idle" -> SMOKE.idle();
                default -> SMOKE.samples();
            };
            assertThat(o.getInt("n", 0)).as(name).isEqualTo(expectedN);
            String u = name.equals("hz-member-removed") ? "ms" : "us";
            double p50 = o.getDouble("p50_" + u, -1);
            double p99 = o.getDouble("p99_" + u, -1);
            double max = o.getDouble("max_" + u, -1);
            assertThat(p50).as(name).isPositive();
            assertThat(p50).as(name).isLessThanOrEqualTo(p99);
            assertThat(p99).as(name).isLessThanOrEqualTo(max);
            if (u.equals("us")) {
                assertThat(o.getDouble("ops_per_s", -1)).as(name).isPositive();
            } else {
                assertThat(o.get("ops_per_s")).as(name).isNull();
            }
            assertThat(o.get("baseline")).as(name + ": a floor is no measurement against one").isNull();
        }
        assertThat(names).containsExactlyElementsOf(FLOORS);
        assertThat(smoke.err()).contains("bench floors: kill 1/" + SMOKE.kills() + ": memberRemoved after");
    }

    @Test
    void aBenchLine_againstAFloor_carriesTheFloorAndAPositiveRatio() {
        List<Floors.Floor> floors = parse(smoke.out());
        Floors.Floor parked = floors.get(0);
        Floors.Floor get = floors.get(4);
        PairBenchReport r = new PairBenchReport("floors-test", "a measured figure against a measured floor", Unit.US,
                Machine.current(), List.of(new PairBenchReport.Latency("hz-imap-get-vs-tcp", get.stats(),
                        parked.name(), false, "", List.of()), parked.latency()),
                List.of(new PairBenchReport.Throughput("rate", 1, 1, List.of(get.opsPerSecond()), "",
                        parked.rateFields(get.opsPerSecond()))), List.of(), List.of());
        List<String> lines = r.jsonLines();
        JsonObject line = PairBenchmarkTest.object(lines.get(1));
        assertThat(line.getString("baseline", null)).isEqualTo("tcp-rtt-parked");
        assertThat(line.getDouble("baseline_p50_us", -1)).isPositive();
        assertThat(line.getDouble("ratio_p50", -1)).isPositive();
        JsonObject rate = PairBenchmarkTest.object(lines.get(3));
        assertThat(rate.getString("baseline", null)).isEqualTo("tcp-rtt-parked");
        assertThat(rate.getDouble("baseline_ops_per_s", -1)).isPositive();
        assertThat(rate.getDouble("ratio_ops_per_s", -1)).isPositive();
    }

    /** The floors back from their JSON lines, to the printed precision. */
    private static List<Floors.Floor> parse(String out) {
        List<Floors.Floor> floors = new ArrayList<>();
        String[] lines = out.strip().split("\n");
        for (int i = 1; i < lines.length; i++) {
            JsonObject o = PairBenchmarkTest.object(lines[i]);
            Unit unit = o.get("p50_ms") != null ? Unit.MS : Unit.US;
            String u = unit.suffix();
            long scale = unit == Unit.MS ? 1_000_000L : 1_000L;
            floors.add(new Floors.Floor(o.getString("case", null), new Stats(o.getInt("n", 0),
                    Math.round(o.getDouble("p50_" + u, 0) * scale), Math.round(o.getDouble("p99_" + u, 0) * scale),
                    Math.round(o.getDouble("max_" + u, 0) * scale)), unit, ""));
        }
        return floors;
    }

    @Test
    void badCounts_areUsage_beforeANodeStarts() {
        for (String[] args : List.of(new String[] {"--samples", "0"}, new String[] {"--samples", "1000001"},
                new String[] {"--kills", "0"}, new String[] {"--kills", "101"})) {
            String[] full = new String[args.length + 3];
            full[0] = "bench";
            full[1] = "floors";
            full[2] = "--smoke";
            System.arraycopy(args, 0, full, 3, args.length);
            BenchWriteReadOptionsTest.Result r = run(full);
            assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).as(String.join(" ", args)).contains(args[0] + " must be ").contains(args[1]);
            assertThat(r.err()).doesNotContain("bench: starting node");
            assertThat(r.out()).isEmpty();
        }
    }
}
