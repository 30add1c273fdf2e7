package org.openpair.chaos;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import org.openpair.bench.JsonLine;
import org.openpair.bench.Machine;

/**
 * A chaos run's figures: per fault kind, how many were made or skipped, the violations charged
 * to it and the unavailability (from the fault to the next acknowledged request of its pair,
 * p50/p99/max); then the totals. "other" in the table is phantom + late_apply + total_changed
 * + log_holes. A violation is charged by time: a lost acknowledged request to
 * the first fault on its pair after it was acknowledged (the loss happened there or later), any
 * other to the latest fault on its pair made before it showed; one seen before any fault to
 * {@code none}.
 */
public final class ChaosReport {
    /** The counts a clean run has at 0, in the order the report prints them. */
    static final List<Violation.Type> COUNTED = List.of(Violation.Type.values());

    private final ChaosResult result;
    private final Machine machine;
    private final Map<String, Map<Violation.Type, Integer>> byKind = new LinkedHashMap<>();
    private final Map<Violation.Type, Integer> totals = new EnumMap<>(Violation.Type.class);

    private ChaosReport(ChaosResult result, Machine machine) {
        this.result = result;
        this.machine = machine;
        for (FaultKind k : FaultKind.values()) {
            byKind.put(k.key(), new EnumMap<>(Violation.Type.class));
        }
        byKind.put("none", new EnumMap<>(Violation.Type.class));
        for (Violation v : result.violations()) {
            byKind.get(chargedTo(v)).merge(v.type(), 1, Integer::sum);
            totals.merge(v.type(), 1, Integer::sum);
        }
    }

    public static ChaosReport of(ChaosResult result) {
        return new ChaosReport(result, Machine.current());
    }

    /** True if every count is 0. */
    public boolean clean() {
        return result.violations().isEmpty();
    }

    /** A total by its report name ({@code acked_lost}, ...). */
    public int total(String key) {
        return COUNTED.stream().filter(t -> t.key().equals(key)).findFirst().map(t -> totals.getOrDefault(t, 0))
                .orElseThrow(() -> new IllegalArgumentException("no count " + key));
    }

    /** Faults made of each kind, by report name. */
    public Map<String, Integer> made() {
        Map<String, Integer> made = new LinkedHashMap<>();
        for (FaultKind k : FaultKind.values()) {
            made.put(k.key(), (int) result.faults().stream().filter(r -> r.fault().kind() == k && r.wasMade()).count());
        }
        return made;
    }

    /** Why each skipped fault was skipped, one line each. */
    public List<String> skipped() {
        return result.faults().stream().filter(r -> !r.wasMade())
                .map(r -> "fault " + r.fault().index() + " " + r.fault().kind().key() + ": skipped: " + r.skipped())
                .toList();
    }

    /**
     * The violations grouped by type, pair and the fault kind charged, at most {@code max} groups:
     * the count and the first of each, one line per group.
     */
    public List<String> violations(int max) {
        Map<String, List<Violation>> groups = new LinkedHashMap<>();
        for (Violation v : result.violations()) {
            groups.computeIfAbsent(v.type().key() + " " + v.pair() + " [" + chargedTo(v) + "]", k -> new ArrayList<>())
                    .add(v);
        }
        return groups.entrySet().stream().limit(max)
                .map(e -> e.getKey() + " x" + e.getValue().size() + ", first: " + e.getValue().get(0).text()).toList();
    }

    /** How many of the slowest recoveries a report names. */
    public static final int SLOWEST_SHOWN = 3;

    public List<String> jsonLines() {
        List<String> lines = new ArrayList<>();
        lines.add(machine.json().toString());
        Map<String, Integer> made = made();
        for (FaultKind k : FaultKind.values()) {
            JsonLine line = new JsonLine().put("bench", "chaos").put("case", k.key()).put("faults", made.get(k.key()))
                    .put("skipped", result.faults().stream().filter(r -> r.fault().kind() == k && !r.wasMade()).count());
            counts(line, byKind.get(k.key()));
            unavailability(line, unavailableMillis(k));
            lines.add(line.toString());
        }
        JsonLine total = new JsonLine().put("bench", "chaos").put("seed", result.settings().seed())
                .put("faults", result.faults().stream().filter(FaultRecord::wasMade).count())
                .put("planned", result.settings().faults())
                .put("skipped", result.faults().stream().filter(r -> !r.wasMade()).count());
        counts(total, totals);
        unavailability(total, unavailableMillis(null));
        total.put("requests", result.history().size())
                .put("ok", count(Outcome.OK)).put("failed", count(Outcome.FAILED)).put("unknown", count(Outcome.UNKNOWN))
                .put("elapsed_s", result.elapsedMillis() / 1000.0, 1)
                .put("verdict", clean() ? "PASS" : "FAIL");
        lines.add(total.toString());
        return lines;
    }

    public void printTable(PrintWriter out) {
        out.println(machine.oneLine());
        out.printf(Locale.ROOT, "%-28s %6s %7s %10s %13s %11s %11s %8s %9s %9s %9s%n", "fault", "made", "skipped",
                "acked_lost", "applied_twice", "stale_epoch", "pairs_lost", "other", "unav_p50", "unav_p99", "unav_max");
        for (FaultKind k : FaultKind.values()) {
            row(out, k.key(), made().get(k.key()),
                    result.faults().stream().filter(r -> r.fault().kind() == k && !r.wasMade()).count(),
                    byKind.get(k.key()), unavailableMillis(k));
        }
        row(out, "total", (int) result.faults().stream().filter(FaultRecord::wasMade).count(),
                result.faults().stream().filter(r -> !r.wasMade()).count(), totals, unavailableMillis(null));
        out.printf(Locale.ROOT, "requests: %d (ok %d, failed %d, unknown %d); %.1f s; seed %d%n", result.history().size(),
                count(Outcome.OK), count(Outcome.FAILED), count(Outcome.UNKNOWN), result.elapsedMillis() / 1000.0,
                result.settings().seed());
        skipped().stream().distinct().limit(3).forEach(out::println);
        slowestRecoveries(SLOWEST_SHOWN).forEach(l -> out.println("slowest recovery: " + l));
        violations(20).forEach(l -> out.println("violation: " + l));
        out.println(clean() ? "verdict: PASS" : "verdict: FAIL (replay the plan: --seed " + result.settings().seed()
                + " --faults " + result.settings().faults() + ")");
        out.flush();
    }

    private void row(PrintWriter out, String name, int made, long skipped, Map<Violation.Type, Integer> c, long[] unav) {
        int other = c.getOrDefault(Violation.Type.PHANTOM, 0) + c.getOrDefault(Violation.Type.LATE_APPLY, 0)
                + c.getOrDefault(Violation.Type.TOTAL, 0) + c.getOrDefault(Violation.Type.LOG_HOLES, 0);
        out.printf(Locale.ROOT, "%-28s %6d %7d %10d %13d %11d %11d %8d %9s %9s %9s%n", name, made, skipped,
                c.getOrDefault(Violation.Type.ACKED_LOST, 0), c.getOrDefault(Violation.Type.APPLIED_TWICE, 0),
                c.getOrDefault(Violation.Type.STALE_EPOCH, 0), c.getOrDefault(Violation.Type.PAIR_LOST, 0), other,
                ms(unav, 50), ms(unav, 99), unav.length == 0 ? "-" : unav[unav.length - 1] + " ms");
    }

    private static String ms(long[] sorted, int percent) {
        return sorted.length == 0 ? "-" : nearestRank(sorted, percent) + " ms";
    }

    private static void counts(JsonLine line, Map<Violation.Type, Integer> c) {
        for (Violation.Type t : COUNTED) {
            line.put(t.key(), c.getOrDefault(t, 0));
        }
    }

    private static void unavailability(JsonLine line, long[] sorted) {
        if (sorted.length == 0) {
            return;
        }
        line.put("unavailable_p50_ms", nearestRank(sorted, 50)).put("unavailable_p99_ms", nearestRank(sorted, 99))
                .put("unavailable_max_ms", sorted[sorted.length - 1]);
    }

    private long count(Outcome o) {
        return result.history().stream().filter(op -> op.outcome() == o).count();
    }

    /**
     * Per made fault of {@code kind} (all kinds if null): ms from the fault to the acknowledgement of
     * the first request of its pair sent after it (a reply already on its way does not count).
     */
    long[] unavailableMillis(FaultKind kind) {
        List<Long> ms = new ArrayList<>();
        for (FaultRecord r : result.faults()) {
            if (r.wasMade() && (kind == null || r.fault().kind() == kind)) {
                recoveryMillis(r).ifPresent(ms::add);
            }
        }
        long[] sorted = ms.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(sorted);
        return sorted;
    }

    /** One made fault's unavailability (see {@link #unavailableMillis(FaultKind)}); empty if its pair never answered again. */
    private java.util.OptionalLong recoveryMillis(FaultRecord r) {
        java.util.OptionalLong done = result.history().stream()
                .filter(o -> o.pair().equals(r.pair()) && o.outcome() == Outcome.OK && o.invokeNanos() > r.startNanos())
                .mapToLong(Op::doneNanos).min();
        return done.isPresent() ? java.util.OptionalLong.of((done.getAsLong() - r.startNanos()) / 1_000_000)
                : java.util.OptionalLong.empty();
    }

    /**
     * The made faults whose pair took longest to answer a new request, slowest first, as
     * {@code "fault 37 partition-backup on $KV: 28618 ms (cut CPU 1 off, healed)"}: the per-kind
     * figures say how long, these say which fault, to find in the CPUs' logs.
     */
    public List<String> slowestRecoveries(int max) {
        record Recovery(FaultRecord r, long ms) {
        }
        List<Recovery> all = new ArrayList<>();
        for (FaultRecord r : result.faults()) {
            if (r.wasMade()) {
                recoveryMillis(r).ifPresent(ms -> all.add(new Recovery(r, ms)));
            }
        }
        all.sort(java.util.Comparator.comparingLong(Recovery::ms).reversed());
        return all.stream().limit(max).map(x -> "fault " + x.r().fault().index() + " " + x.r().fault().kind().key()
                + " on " + x.r().pair() + ": " + x.ms() + " ms" + briefly(x.r().note())).toList();
    }

    /** A fault's note without what follows its first line (a note may end with the CPUs' thread dumps). */
    private static String briefly(String note) {
        if (note == null || note.isBlank()) {
            return "";
        }
        String first = note.lines().findFirst().orElse("");
        return " (" + (first.length() > 160 ? first.substring(0, 160) + "..." : first) + ")";
    }

    /** The fault kind a violation is charged to: by its pair's faults first, else by any (a CPU fault hits every pair on it). */
    private String chargedTo(Violation v) {
        List<FaultRecord> made = result.faults().stream().filter(FaultRecord::wasMade).toList();
        if (v.type() == Violation.Type.PAIR_LOST) {
            // Found right after the fault that lost it, whichever pair that fault aimed at.
            for (FaultRecord r : made) {
                if (r.startNanos() == v.atNanos()) {
                    return r.fault().kind().key();
                }
            }
        }
        String own = chargedTo(v, made.stream().filter(r -> r.pair().equals(v.pair())).toList());
        return own != null ? own : Objects.requireNonNullElse(chargedTo(v, made), "none");
    }

    private static String chargedTo(Violation v, List<FaultRecord> faults) {
        if (v.type() == Violation.Type.ACKED_LOST) {
            for (FaultRecord r : faults) {
                if (r.startNanos() > v.atNanos()) {
                    return r.fault().kind().key();
                }
            }
        }
        FaultRecord latest = null;
        for (FaultRecord r : faults) {
            if (r.startNanos() <= v.atNanos()) {
                latest = r;
            }
        }
        return latest == null ? null : latest.fault().kind().key();
    }

    static long nearestRank(long[] sorted, int percent) {
        int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
