package org.openpair.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The result of a pair benchmark ({@code bench checkpoint}, {@code bench takeover}) in the shape
 * DESIGN.md fixes for every figure, where each case may have a baseline of its own: the machine,
 * then per latency case n, p50, p99 and max and its median as a multiple of its baseline's
 * (measured in the same run); per throughput case the operations per second; and the targets of
 * the issue with whether they were met. As a table, or as JSON lines:
 *
 * <pre>
 * {"bench":"machine","cores":2,...}
 * {"bench":"takeover","case":"cpu-kill9","n":10,"p50_ms":…,"p99_ms":…,"max_ms":…,
 *  "baseline":"hz-member-removed","baseline_p50_ms":…,"ratio_p50":…,"target":"p99 <= 600 ms","target_met":true}
 * {"bench":"checkpoint","case":"checkpoint-async-100B","n":200000,"window":1024,"runs":3,"ops_per_s":…,…}
 * </pre>
 *
 * A baseline's own line carries no baseline fields. Extra fields of a case follow the standard
 * ones.
 *
 * <p>Run: {@code ./guardian bench checkpoint [--json]}, {@code ./guardian bench takeover [--json]}.
 */
public final class PairBenchReport {

    /** An extra JSON field of a case: a string, a whole number, or a decimal with its places. */
    record Field(String key, Object value, int decimals) {
        static Field of(String key, String value) {
            return new Field(key, value, 0);
        }

        static Field of(String key, long value) {
            return new Field(key, value, 0);
        }

        static Field of(String key, double value, int decimals) {
            return new Field(key, value, decimals);
        }

        static Field of(String key, boolean value) {
            return new Field(key, value, 0);
        }

        void putInto(JsonLine json) {
            if (value instanceof String s) {
                json.put(key, s);
            } else if (value instanceof Double d) {
                json.put(key, d, decimals);
            } else if (value instanceof Boolean b) {
                json.put(key, b.booleanValue());
            } else {
                json.put(key, ((Number) value).longValue());
            }
        }
    }

    /**
     * One latency case.
     *
     * @param name     the case name of the JSON lines
     * @param stats    its figures, ns
     * @param baseline the name of the case its median is divided by, or {@code null} (a baseline itself)
     * @param detail   a part of the case above it: indented in the table
     * @param note     what was measured, in words, for the table
     * @param extra    further JSON fields
     */
    record Latency(String name, Stats stats, String baseline, boolean detail, String note, List<Field> extra) {
        Latency {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(stats, "stats");
            note = note == null ? "" : note;
            extra = extra == null ? List.of() : List.copyOf(extra);
        }
    }

    /**
     * One throughput case: operations per second of several runs; the median run is the figure.
     *
     * @param name   the case name
     * @param n      operations per run (of the median run)
     * @param window most operations outstanding
     * @param runs   operations per second of each run, in run order
     * @param note   what was measured
     * @param extra  further JSON fields
     */
    record Throughput(String name, int n, int window, List<Double> runs, String note, List<Field> extra) {
        Throughput {
            Objects.requireNonNull(name, "name");
            if (runs.isEmpty()) {
                throw new IllegalArgumentException(name + ": no runs");
            }
            runs = List.copyOf(runs);
            note = note == null ? "" : note;
            extra = extra == null ? List.of() : List.copyOf(extra);
        }

        /** The median run's rate (the upper median of an even count). */
        double opsPerSecond() {
            List<Double> sorted = new ArrayList<>(runs);
            sorted.sort(Double::compare);
            return sorted.get(sorted.size() / 2);
        }

        double min() {
            return runs.stream().mapToDouble(Double::doubleValue).min().orElse(0);
        }

        double max() {
            return runs.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        }
    }

    /**
     * A target of the issue for one case, and whether this run met it.
     *
     * @param caseName the case it is about
     * @param target   the target, e.g. {@code p99 <= 20 ms}
     * @param measured what this run measured, e.g. {@code p99 14.2 ms}
     * @param met      whether the measured figure meets the target
     * @param margin   by how much it was met or missed, in words
     */
    record Target(String caseName, String target, String measured, boolean met, String margin) {

        /** {@code p50 <= limit x base}: a case's median against its baseline's, with the margin in microseconds. */
        static Target p50Ratio(String caseName, Stats measured, String baseName, Stats base, double limit) {
            double ratio = (double) measured.p50() / base.p50();
            boolean met = ratio <= limit;
            return new Target(caseName, String.format(Locale.ROOT, "p50 <= %sx %s", plain(limit), baseName),
                    String.format(Locale.ROOT, "%.2fx (%.1f us vs %.1f us)", ratio, measured.p50() / 1e3,
                            base.p50() / 1e3), met, met
                    ? String.format(Locale.ROOT, "met with %.1f us to spare", (limit * base.p50() - measured.p50()) / 1e3)
                    : String.format(Locale.ROOT, "missed by %.1f us, %.0f%% over", (measured.p50() - limit * base.p50()) / 1e3,
                    (ratio / limit - 1) * 100));
        }

        /** {@code ops_per_s >= floor} for a throughput case's median run. */
        static Target rateAtLeast(String caseName, double opsPerSecond, double floor) {
            boolean met = opsPerSecond >= floor;
            return new Target(caseName, String.format(Locale.ROOT, "ops_per_s >= %.0f", floor),
                    String.format(Locale.ROOT, "%.0f/s", opsPerSecond), met, met
                    ? String.format(Locale.ROOT, "met, %.0f%% above", (opsPerSecond / floor - 1) * 100)
                    : String.format(Locale.ROOT, "missed, %.0f%% short", (1 - opsPerSecond / floor) * 100));
        }

        private static String plain(double value) {
            return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
        }
    }

    private final String bench;
    private final String title;
    private final Unit unit;
    private final Machine machine;
    private final List<Latency> latencies;
    private final List<Throughput> throughputs;
    private final List<Target> targets;
    private final List<String> notes;
    private final Map<String, Latency> byName = new LinkedHashMap<>();

    PairBenchReport(String bench, String title, Unit unit, Machine machine, List<Latency> latencies,
                    List<Throughput> throughputs, List<Target> targets, List<String> notes) {
        this.bench = Objects.requireNonNull(bench, "bench");
        this.title = Objects.requireNonNull(title, "title");
        this.unit = Objects.requireNonNull(unit, "unit");
        this.machine = Objects.requireNonNull(machine, "machine");
        this.latencies = List.copyOf(latencies);
        this.throughputs = List.copyOf(throughputs);
        this.targets = List.copyOf(targets);
        this.notes = List.copyOf(notes);
        for (Latency l : this.latencies) {
            byName.put(l.name(), l);
        }
        for (Latency l : this.latencies) {
            if (l.baseline() != null && !byName.containsKey(l.baseline())) {
                throw new IllegalArgumentException(l.name() + ": baseline " + l.baseline() + " is not a case");
            }
        }
    }

    String bench() {
        return bench;
    }

    Machine machine() {
        return machine;
    }

    Unit unit() {
        return unit;
    }

    List<Latency> latencies() {
        return latencies;
    }

    List<Throughput> throughputs() {
        return throughputs;
    }

    List<Target> targets() {
        return targets;
    }

    /** A latency case by name, or {@code null}. */
    Latency latency(String name) {
        return byName.get(name);
    }

    /** A case's median over its baseline's; NaN for a baseline or a zero baseline. */
    double ratio(Latency c) {
        Latency base = c.baseline() == null ? null : byName.get(c.baseline());
        return base == null || base.stats().p50() == 0 ? Double.NaN : (double) c.stats().p50() / base.stats().p50();
    }

    /** The machine line, the title, the latency table, the throughput table, the targets, the notes. */
    public void printTable(PrintWriter out) {
        out.println(machine.oneLine());
        out.println("bench " + bench + ": " + title);
        if (!latencies.isEmpty()) {
            int nameWidth = "case".length();
            int baseWidth = "baseline".length();
            for (Latency c : latencies) {
                nameWidth = Math.max(nameWidth, c.name().length() + (c.detail() ? 2 : 0));
                baseWidth = Math.max(baseWidth, c.baseline() == null ? 0 : c.baseline().length());
            }
            String u = unit.suffix();
            String row = "%-" + nameWidth + "s %7s %11s %11s %11s %9s  %-" + baseWidth + "s  %s%n";
            out.printf(Locale.ROOT, row, "case", "n", "p50 " + u, "p99 " + u, "max " + u, "p50/base", "baseline", "what");
            for (Latency c : latencies) {
                String ratio = c.baseline() == null ? "-"
                        : Double.isNaN(ratio(c)) ? "?" : String.format(Locale.ROOT, "%.2fx", ratio(c));
                out.printf(Locale.ROOT, row, (c.detail() ? "  " : "") + c.name(), c.stats().n(),
                        figure(c.stats().p50()), figure(c.stats().p99()), figure(c.stats().max()), ratio,
                        c.baseline() == null ? "(baseline)" : c.baseline(), c.note());
            }
        }
        if (!throughputs.isEmpty()) {
            int nameWidth = "case".length();
            for (Throughput t : throughputs) {
                nameWidth = Math.max(nameWidth, t.name().length());
            }
            String row = "%-" + nameWidth + "s %7s %7s %12s  %s%n";
            out.println();
            out.printf(Locale.ROOT, row, "case", "n", "window", "ops/s", "runs (ops/s); what");
            for (Throughput t : throughputs) {
                StringBuilder runs = new StringBuilder("[");
                for (int i = 0; i < t.runs().size(); i++) {
                    runs.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", t.runs().get(i)));
                }
                runs.append("]");
                out.printf(Locale.ROOT, row, t.name(), t.n(), t.window(),
                        String.format(Locale.ROOT, "%.0f", t.opsPerSecond()), runs + "; " + t.note());
            }
        }
        if (!targets.isEmpty()) {
            out.println();
            out.println("targets:");
            for (Target t : targets) {
                out.printf(Locale.ROOT, "  %-6s %s: %s; measured %s (%s)%n", t.met() ? "MET" : "MISSED", t.caseName(),
                        t.target(), t.measured(), t.margin());
            }
        }
        for (String note : notes) {
            out.println("note: " + note);
        }
        out.flush();
    }

    /** The machine line, then one line per latency case (baselines included), per throughput case. */
    public List<String> jsonLines() {
        List<String> lines = new ArrayList<>();
        lines.add(machine.json().toString());
        String u = unit.suffix();
        int d = unit.decimals();
        for (Latency c : latencies) {
            JsonLine json = new JsonLine().put("bench", bench).put("case", c.name()).put("n", c.stats().n())
                    .put("p50_" + u, unit.of(c.stats().p50()), d)
                    .put("p99_" + u, unit.of(c.stats().p99()), d)
                    .put("max_" + u, unit.of(c.stats().max()), d);
            if (c.baseline() != null) {
                json.put("baseline", c.baseline())
                        .put("baseline_p50_" + u, unit.of(byName.get(c.baseline()).stats().p50()), d)
                        .put("ratio_p50", ratio(c), 2);
            }
            targetFields(c.name(), json);
            c.extra().forEach(f -> f.putInto(json));
            lines.add(json.toString());
        }
        for (Throughput t : throughputs) {
            JsonLine json = new JsonLine().put("bench", bench).put("case", t.name()).put("n", t.n())
                    .put("window", t.window()).put("runs", t.runs().size())
                    .put("ops_per_s", t.opsPerSecond(), 0)
                    .put("min_ops_per_s", t.min(), 0)
                    .put("max_ops_per_s", t.max(), 0);
            targetFields(t.name(), json);
            t.extra().forEach(f -> f.putInto(json));
            lines.add(json.toString());
        }
        return lines;
    }

    private void targetFields(String caseName, JsonLine json) {
        for (Target t : targets) {
            if (t.caseName().equals(caseName)) {
                json.put("target", t.target()).put("target_met", t.met());
                return;
            }
        }
    }

    private String figure(long nanos) {
        return String.format(Locale.ROOT, "%." + unit.decimals() + "f", unit.of(nanos));
    }
}
