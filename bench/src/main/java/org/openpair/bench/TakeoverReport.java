package org.openpair.bench;

import static org.openpair.bench.TakeoverBenchmark.ABEND;
import static org.openpair.bench.TakeoverBenchmark.BENCH;
import static org.openpair.bench.TakeoverBenchmark.KILL9;
import static org.openpair.bench.TakeoverBenchmark.KILL9_ENGINE;
import static org.openpair.bench.TakeoverBenchmark.KILL9_WARMUP;
import static org.openpair.bench.TakeoverBenchmark.MEMBER_REMOVED_KILL9;
import static org.openpair.bench.TakeoverBenchmark.MEMBER_REMOVED_SIGSTOP;
import static org.openpair.bench.TakeoverBenchmark.POLL_MICROS;
import static org.openpair.bench.TakeoverBenchmark.SIGSTOP;
import static org.openpair.bench.TakeoverBenchmark.SIGSTOP_ENGINE;
import static org.openpair.bench.TakeoverBenchmark.TARGET_SIGSTOP_MS;
import static org.openpair.bench.TakeoverBenchmark.STOP;
import static org.openpair.bench.TakeoverBenchmark.TARGET_AFTER_DETECTION_MS;
import static org.openpair.bench.TakeoverBenchmark.TARGET_KILL9_MS;
import static org.openpair.bench.TakeoverBenchmark.TARGET_PROCESS_MS;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.openpair.bench.TakeoverBenchmark.Counts;
import org.openpair.bench.TakeoverBenchmark.Outcome;

/**
 * The report of {@link TakeoverBenchmark}: each case with its parts and baseline, the targets,
 * and notes. Apart so the benchmark's file keeps to running the faults.
 */
final class TakeoverReport {
    private TakeoverReport() {
    }

    static PairBenchReport of(Counts counts, List<Outcome> kill9Warmups, Machine machine, String nodeName,
                              int childStarts, Samples sets, Samples idleSets, List<Outcome> stops,
                              List<Outcome> abends, List<Outcome> kills, List<Outcome> engineKills,
                              List<Outcome> sigstops, List<Outcome> engineSigstops, long leaseMillis) {
        List<PairBenchReport.Latency> latencies = new ArrayList<>();
        List<PairBenchReport.Target> targets = new ArrayList<>();
        long hbMillis = counts.heartbeatTimeout() * 1000L;

        addCase(latencies, STOP, stops, RemoteSetBaseline.CASE_IDLE, false,
                "PROCESS_STOP_ of the primary (CPU 1) by the operator on CPU 0 -> backup on CPU 0 is primary");
        targets.add(p99AtMost(STOP, latencies, TARGET_PROCESS_MS));
        addCase(latencies, ABEND, abends, RemoteSetBaseline.CASE_IDLE, false,
                "the primary (CPU 1) calls abend -> backup on CPU 0 is primary");
        targets.add(p99AtMost(ABEND, latencies, TARGET_PROCESS_MS));
        addCase(latencies, KILL9, kills, MEMBER_REMOVED_KILL9, true,
                "SIGKILL of CPU 1's JVM (primary there) -> backup on CPU 0 is primary; CPU 0 acts on the kernel's "
                        + "evidence (EOF on its link to CPU 1, then a refused reconnect)");
        targets.add(p99AtMost(KILL9, latencies, TARGET_KILL9_MS));
        addCase(latencies, KILL9_ENGINE, engineKills, MEMBER_REMOVED_KILL9, true,
                "the same kill with CPU 0 leaving it to Hazelcast's own detection (the baseline's runs)");
        addCase(latencies, SIGSTOP, sigstops, MEMBER_REMOVED_SIGSTOP, true,
                "SIGSTOP of CPU 1's JVM (primary there) -> backup on CPU 0 is primary; CPU 0 takes CPU 1 over on "
                        + "its lease of " + leaseMillis + " ms (heartbeat timeout " + counts.heartbeatTimeout() + " s)");
        targets.add(p99AtMost(SIGSTOP, latencies, leaseMillis > 0 ? TARGET_SIGSTOP_MS : hbMillis + TARGET_AFTER_DETECTION_MS));
        addCase(latencies, SIGSTOP_ENGINE, engineSigstops, MEMBER_REMOVED_SIGSTOP, true,
                "the same freeze with CPU 0 leaving it to the engine's heartbeat (the baseline's runs)");
        targets.add(p99AtMost(SIGSTOP_ENGINE, latencies, hbMillis + TARGET_AFTER_DETECTION_MS));
        targets.add(p99AtMost(SIGSTOP_ENGINE + "-after-detection", latencies, TARGET_AFTER_DETECTION_MS));

        latencies.add(Floors.idleSetFloor(idleSets).latency());
        latencies.add(Floors.setFloor(sets).latency());
        latencies.add(new PairBenchReport.Latency(MEMBER_REMOVED_KILL9, Stats.of(member(engineKills)), null, false,
                "SIGKILL -> CPU 0's MembershipListener.memberRemoved, Hazelcast's own detection (the floor, timed "
                        + "in the " + KILL9_ENGINE + " runs)", List.of()));
        latencies.add(new PairBenchReport.Latency(MEMBER_REMOVED_SIGSTOP, Stats.of(member(engineSigstops)), null, false,
                "SIGSTOP -> CPU 0's MembershipListener.memberRemoved, the engine's heartbeat (timed in the "
                        + SIGSTOP_ENGINE + " runs)", List.of(
                        PairBenchReport.Field.of("heartbeat_timeout_ms", hbMillis))));

        List<String> notes = new ArrayList<>();
        notes.add(CheckpointBenchmark.loadNote(machine));
        notes.add("figure = max(name resolves to the new primary, new primary returned from awaitTakeover) - fault; "
                + "the name is polled on CPU 0 every " + POLL_MICROS + " us with PROCESS_GETPAIRINFO_ (2 IMap.get), "
                + "its time is when the first poll showing the new primary returned");
        for (Outcome o : kill9Warmups) {
            notes.add(String.format(Locale.ROOT, "%s: after %d unmeasured kill (the first eviction in CPU 0's JVM runs "
                    + "cold code): that run took %.1f ms, member removed at %.1f ms", KILL9, KILL9_WARMUP,
                    o.total() / 1e3, (o.memberRemoved() - o.fault()) / 1e3));
        }
        notes.add("CPU 1's JVM was started " + childStarts + " times (again before each run after a CPU fault), the "
                + "node left to settle (partitions safe) before each run");
        String title = String.format(Locale.ROOT, "node \\%s; primary on CPU 1 (child JVM), backup on CPU 0 (this JVM, "
                + "pid %d); a fresh pair per run; process faults after %d warm-up runs each; heartbeat timeout %d s",
                nodeName, java.lang.ProcessHandle.current().pid(), counts.warmup(), counts.heartbeatTimeout());
        return new PairBenchReport(BENCH, title, Unit.MS, machine, latencies, List.of(), targets, notes);
    }

    private static void addCase(List<PairBenchReport.Latency> into, String name, List<Outcome> runs, String baseline,
                                boolean cpuFault, String note) {
        long[] total = new long[runs.size()];
        long[] nameMoved = new long[runs.size()];
        long[] primary = new long[runs.size()];
        long[] afterDetection = new long[runs.size()];
        for (int i = 0; i < runs.size(); i++) {
            Outcome o = runs.get(i);
            total[i] = o.total() * 1_000;
            nameMoved[i] = (o.nameMoved() - o.fault()) * 1_000;
            primary[i] = (o.runsAsPrimary() - o.fault()) * 1_000;
            afterDetection[i] = (o.total() - (o.memberRemoved() - o.fault())) * 1_000;
        }
        into.add(new PairBenchReport.Latency(name, Stats.of(total), baseline, false, note, List.of()));
        into.add(new PairBenchReport.Latency(name + "-name", Stats.of(nameMoved), baseline, true,
                "fault -> PROCESS_GETPAIRINFO_ on CPU 0 shows the backup as primary", List.of()));
        into.add(new PairBenchReport.Latency(name + "-primary", Stats.of(primary), baseline, true,
                "fault -> the backup's awaitTakeover returned", List.of()));
        if (runs.stream().allMatch(o -> o.promoted() != 0)) {
            long[] promoted = new long[runs.size()];
            for (int i = 0; i < runs.size(); i++) {
                promoted[i] = (runs.get(i).promoted() - runs.get(i).fault()) * 1_000;
            }
            into.add(new PairBenchReport.Latency(name + "-promoted", Stats.of(promoted), baseline, true,
                    "fault -> CPU 0 promoted the backup (its 'took over as primary' log record)", List.of()));
        }
        if (cpuFault) {
            into.add(new PairBenchReport.Latency(name + "-after-detection", Stats.of(afterDetection), null, true,
                    "the figure minus fault -> memberRemoved (negative: faster than Hazelcast)", List.of()));
        }
    }

    private static long[] member(List<Outcome> runs) {
        long[] out = new long[runs.size()];
        for (int i = 0; i < runs.size(); i++) {
            out[i] = (runs.get(i).memberRemoved() - runs.get(i).fault()) * 1_000;
        }
        return out;
    }

    private static PairBenchReport.Target p99AtMost(String caseName, List<PairBenchReport.Latency> latencies,
                                                    double limitMillis) {
        Stats s = latencies.stream().filter(l -> l.name().equals(caseName)).findFirst().orElseThrow().stats();
        double p99 = s.p99() / 1e6;
        boolean met = p99 <= limitMillis;
        return new PairBenchReport.Target(caseName, String.format(Locale.ROOT, "p99 <= %.0f ms", limitMillis),
                String.format(Locale.ROOT, "p99 %.1f ms", p99), met,
                met ? String.format(Locale.ROOT, "met with %.1f ms to spare", limitMillis - p99)
                        : String.format(Locale.ROOT, "missed by %.1f ms, %.0f%% over", p99 - limitMillis,
                        (p99 / limitMillis - 1) * 100));
    }
}
