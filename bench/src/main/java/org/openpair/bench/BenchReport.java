package org.openpair.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The result of one benchmark run in the shape DESIGN.md fixes for every figure: the machine,
 * then each case's n, p50, p99 and max, and its median as a multiple of a baseline measured in
 * the same run. Printed as a readable table, or as JSON lines:
 *
 * <pre>
 * {"bench":"machine","cores":2,"cpu":"AMD EPYC","jvm":"…","os":"…","hazelcast":"5.7.0","date":"…"}
 * {"bench":"spawn","case":"hosted-spawn-stop","n":1000,"p50_us":…,"p99_us":…,"max_us":…,
 *  "baseline":"hz-imap-get","baseline_p50_us":…,"ratio_p50":…}
 * {"bench":"spawn","case":"hz-imap-get","n":2000,"p50_us":…,"p99_us":…,"max_us":…}
 * </pre>
 *
 * The baseline's own line carries no baseline fields: it is the yardstick, not a measurement
 * against one.
 *
 * <p>Run: {@code ./guardian bench spawn} (table) or {@code ./guardian bench spawn --json}.
 */
public final class BenchReport {

    /**
     * One measured case.
     *
     * @param name  the case name of the JSON lines, e.g. {@code hosted-spawn-stop}
     * @param stats its figures
     * @param note  what was measured, in words, for the table
     */
    record Case(String name, Stats stats, String note) {
        Case {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(stats, "stats");
            note = note == null ? "" : note;
        }
    }

    private final String bench;
    private final String title;
    private final Unit unit;
    private final Machine machine;
    private final Case baseline;
    private final List<Case> cases;

    /**
     * @param bench    the benchmark's name, the {@code "bench"} field
     * @param title    one line on what ran where, printed above the table
     * @param baseline the yardstick every case's median is divided by
     * @param cases    the measured cases, in the order to print them
     */
    BenchReport(String bench, String title, Unit unit, Machine machine, Case baseline, List<Case> cases) {
        this.bench = Objects.requireNonNull(bench, "bench");
        this.title = Objects.requireNonNull(title, "title");
        this.unit = Objects.requireNonNull(unit, "unit");
        this.machine = Objects.requireNonNull(machine, "machine");
        this.baseline = Objects.requireNonNull(baseline, "baseline");
        this.cases = List.copyOf(cases);
    }

    Machine machine() {
        return machine;
    }

    Case baseline() {
        return baseline;
    }

    List<Case> cases() {
        return cases;
    }

    /** A case's median over the baseline's. */
    double ratio(Case c) {
        return baseline.stats().p50() == 0 ? Double.NaN : (double) c.stats().p50() / baseline.stats().p50();
    }

    /** The machine line, the title, then one row per case and the baseline last. */
    public void printTable(PrintWriter out) {
        out.println(machine.oneLine());
        out.println("bench " + bench + ": " + title);
        List<Case> all = new ArrayList<>(cases);
        all.add(baseline);
        int nameWidth = "case".length();
        for (Case c : all) {
            nameWidth = Math.max(nameWidth, c.name().length());
        }
        String u = unit.suffix();
        String row = "%-" + nameWidth + "s %7s %11s %11s %11s %10s  %s%n";
        out.printf(Locale.ROOT, row, "case", "n", "p50 " + u, "p99 " + u, "max " + u, "p50/base", "what");
        for (Case c : all) {
            String ratio = c == baseline ? "baseline"
                    : Double.isNaN(ratio(c)) ? "-" : String.format(Locale.ROOT, "%.1fx", ratio(c));
            out.printf(Locale.ROOT, row, c.name(), c.stats().n(), figure(c.stats().p50()), figure(c.stats().p99()),
                    figure(c.stats().max()), ratio, c.note());
        }
        out.flush();
    }

    /** The machine line, one line per case, the baseline's last. */
    public List<String> jsonLines() {
        List<String> lines = new ArrayList<>();
        lines.add(machine.json().toString());
        String u = unit.suffix();
        for (Case c : cases) {
            lines.add(caseJson(c)
                    .put("baseline", baseline.name())
                    .put("baseline_p50_" + u, unit.of(baseline.stats().p50()), unit.decimals())
                    .put("ratio_p50", ratio(c), 2)
                    .toString());
        }
        lines.add(caseJson(baseline).toString());
        return lines;
    }

    private JsonLine caseJson(Case c) {
        String u = unit.suffix();
        int d = unit.decimals();
        return new JsonLine().put("bench", bench).put("case", c.name()).put("n", c.stats().n())
                .put("p50_" + u, unit.of(c.stats().p50()), d)
                .put("p99_" + u, unit.of(c.stats().p99()), d)
                .put("max_" + u, unit.of(c.stats().max()), d);
    }

    private String figure(long nanos) {
        return String.format(Locale.ROOT, "%." + unit.decimals() + "f", unit.of(nanos));
    }
}
