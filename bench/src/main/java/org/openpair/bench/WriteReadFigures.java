package org.openpair.bench;

import static org.openpair.bench.WriteReadBenchmark.HZ_LARGE;
import static org.openpair.bench.WriteReadBenchmark.HZ_RATE;
import static org.openpair.bench.WriteReadBenchmark.HZ_SMALL;
import static org.openpair.bench.WriteReadBenchmark.NOWAIT_RATE;
import static org.openpair.bench.WriteReadBenchmark.RAW_LARGE;
import static org.openpair.bench.WriteReadBenchmark.RAW_SMALL;
import static org.openpair.bench.WriteReadBenchmark.REQUEST_SUFFIX;
import static org.openpair.bench.WriteReadBenchmark.SERVER_SUFFIX;
import static org.openpair.bench.WriteReadBenchmark.SPIN_LARGE;
import static org.openpair.bench.WriteReadBenchmark.SPIN_SMALL;
import static org.openpair.bench.WriteReadBenchmark.WR_LARGE;
import static org.openpair.bench.WriteReadBenchmark.WR_RATE;
import static org.openpair.bench.WriteReadBenchmark.WR_SMALL;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one run of {@code guardian bench writeread} measured, and its report: the latency cases
 * with their floor ({@value Floors#TCP_SPINNING} of the same size: the requester polls its link
 * for its reply before it parks; the ratio to {@value Floors#TCP_PARKED} and the executor call's
 * alongside), the
 * parts of each WRITEREAD the server sees (the request's way, the server's own part) as detail
 * rows, one throughput case per client count for
 * WRITEREAD and for the executor (each with the parked floor's serial rate), the two targets of the issue, and notes on the machine's load
 * and on the server's own counts.
 *
 * <p>Used by {@link WriteReadBenchmark}; run with {@code ./guardian bench writeread}.
 */
final class WriteReadFigures {
    private final WriteReadBenchmark.Counts counts;
    final Samples wrSmall;
    final Samples wrLarge;
    final Samples rawSmall;
    final Samples rawLarge;
    final Samples spinSmall;
    final Samples spinLarge;
    final Samples hzSmall;
    final Samples hzLarge;
    final Map<Integer, List<ConcurrentCallers.Run>> rates = new TreeMap<>();
    final Map<Integer, List<ConcurrentCallers.Run>> hzRates = new TreeMap<>();
    final Map<Integer, List<ConcurrentCallers.Run>> nowaitRates = new TreeMap<>();
    /** The timed WRITEREADs' way to the server, by request size. */
    Map<Integer, Stats> requestLegs = Map.of();
    /** The timed WRITEREADs' time in the server, by request size. */
    Map<Integer, Stats> inServer = Map.of();
    WriteReadServerStats server;
    long echoed;
    String nodeName;
    long childPid;
    /** The CPUs' metrics ports, "first-last", or null: metrics off. */
    String metricsPorts;

    WriteReadFigures(WriteReadBenchmark.Counts counts) {
        this.counts = counts;
        this.wrSmall = new Samples(WR_SMALL, counts.samples());
        this.wrLarge = new Samples(WR_LARGE, counts.samples());
        this.rawSmall = new Samples(RAW_SMALL, counts.samples());
        this.rawLarge = new Samples(RAW_LARGE, counts.samples());
        this.spinSmall = new Samples(SPIN_SMALL, counts.samples());
        this.spinLarge = new Samples(SPIN_LARGE, counts.samples());
        this.hzSmall = new Samples(HZ_SMALL, counts.samples());
        this.hzLarge = new Samples(HZ_LARGE, counts.samples());
    }

    PairBenchReport report(Machine machine) {
        Stats wrS = wrSmall.stats();
        Stats wrL = wrLarge.stats();
        Stats rawS = rawSmall.stats();
        Stats rawL = rawLarge.stats();
        Stats spinS = spinSmall.stats();
        Stats spinL = spinLarge.stats();
        Stats hzS = hzSmall.stats();
        Stats hzL = hzLarge.stats();
        String path = "CPU 0 -> primary on CPU 1, reply checkpointed to the backup on CPU 0, reply -> CPU 0";
        List<PairBenchReport.Latency> latencies = new ArrayList<>();
        latencies.add(new PairBenchReport.Latency(WR_SMALL, wrS, SPIN_SMALL, false, String.format(Locale.ROOT,
                "writeRead(byte[100]) until the reply, %s; %.2fx %s, %.2fx %s", path, ratio(wrS, rawS), RAW_SMALL,
                ratio(wrS, hzS), HZ_SMALL), List.of(parkedRatio(wrS, rawS), hzRatio(wrS, hzS))));
        partRows(latencies, WriteReadBenchmark.SMALL, WR_SMALL, SPIN_SMALL);
        latencies.add(new PairBenchReport.Latency(WR_LARGE, wrL, SPIN_LARGE, false, String.format(Locale.ROOT,
                "writeRead(byte[4096]), 4096 B reply, same path; %.2fx %s, %.2fx %s", ratio(wrL, rawL), RAW_LARGE,
                ratio(wrL, hzL), HZ_LARGE), List.of(parkedRatio(wrL, rawL), hzRatio(wrL, hzL))));
        partRows(latencies, WriteReadBenchmark.LARGE, WR_LARGE, SPIN_LARGE);
        latencies.add(new Floors.Floor(SPIN_SMALL, spinS, Unit.US,
                Floors.tcpNote(TcpFloor.Model.SPINNING, WriteReadBenchmark.SMALL) + "; the floor").latency());
        latencies.add(new Floors.Floor(SPIN_LARGE, spinL, Unit.US,
                Floors.tcpNote(TcpFloor.Model.SPINNING, WriteReadBenchmark.LARGE)).latency());
        Floors.Floor floor = new Floors.Floor(RAW_SMALL, rawS, Unit.US,
                Floors.tcpNote(TcpFloor.Model.PARKED, WriteReadBenchmark.SMALL) + "; the throughput's floor");
        latencies.add(floor.latency());
        latencies.add(new Floors.Floor(RAW_LARGE, rawL, Unit.US,
                Floors.tcpNote(TcpFloor.Model.PARKED, WriteReadBenchmark.LARGE)).latency());
        latencies.add(new PairBenchReport.Latency(HZ_SMALL, hzS, null, false, String.format(Locale.ROOT,
                "IExecutorService.submitToMember(CPU 1) of a task returning its 100 B, get(); %.2fx %s",
                ratio(hzS, rawS), RAW_SMALL), List.of()));
        latencies.add(new PairBenchReport.Latency(HZ_LARGE, hzL, null, false, String.format(Locale.ROOT,
                "the same with 4096 B; %.2fx %s", ratio(hzL, rawL), RAW_LARGE), List.of()));

        List<PairBenchReport.Throughput> throughputs = new ArrayList<>();
        PairBenchReport.Throughput best = null;
        for (int n : rates.keySet()) {
            double hzOps = median(hzRates.get(n));
            PairBenchReport.Throughput hz = throughput(HZ_RATE + n, n, hzRates.get(n), n + " thread(s) each calling "
                    + "the executor of CPU 1 with 100 B, one call at a time", floor.rateFields(hzOps));
            double wrOps = median(rates.get(n));
            double hzRatio = hz.opsPerSecond() == 0 ? Double.NaN : wrOps / hz.opsPerSecond();
            PairBenchReport.Throughput wr = throughput(WR_RATE + n, n, rates.get(n), String.format(Locale.ROOT,
                    "%d open(s) of %s, sync depth 1, each one writeRead(byte[100]) at a time, every request checkpointed;"
                            + " %.2fx %s", n, WriteReadBenchmark.NAME, hzRatio, HZ_RATE + n),
                    withFloor(floor, wrOps, PairBenchReport.Field.of("clients", n),
                            PairBenchReport.Field.of("ratio_hz_executor", hzRatio, 2)));
            throughputs.add(wr);
            throughputs.add(hz);
            if (best == null || wr.opsPerSecond() > best.opsPerSecond()) {
                best = wr;
            }
            List<ConcurrentCallers.Run> nowaitRuns = nowaitRates.get(n);
            if (nowaitRuns != null) {
                double nowaitOps = median(nowaitRuns);
                double nowaitHzRatio = hz.opsPerSecond() == 0 ? Double.NaN : nowaitOps / hz.opsPerSecond();
                PairBenchReport.Throughput nowait = throughput(NOWAIT_RATE + n, n, nowaitRuns, String.format(Locale.ROOT,
                        "the same %d open(s) driven by no thread: each with one writeReadNowait(byte[100]) in flight, "
                                + "the next sent from the last reply's completion, every request checkpointed; %.2fx "
                                + "%s", n, nowaitHzRatio, HZ_RATE + n),
                        withFloor(floor, nowaitOps, PairBenchReport.Field.of("clients", n),
                                PairBenchReport.Field.of("ratio_hz_executor", nowaitHzRatio, 2)));
                throughputs.add(nowait);
                if (nowait.opsPerSecond() > best.opsPerSecond()) {
                    best = nowait;
                }
            }
        }

        List<PairBenchReport.Target> targets = new ArrayList<>();
        targets.add(PairBenchReport.Target.p50Ratio(WR_SMALL, wrS, SPIN_SMALL, spinS, WriteReadBenchmark.TARGET_RATIO));
        if (best != null) {
            targets.add(PairBenchReport.Target.rateAtLeast(best.name(), best.opsPerSecond(),
                    WriteReadBenchmark.TARGET_OPS_PER_S));
        }
        List<String> notes = new ArrayList<>();
        notes.add(CheckpointBenchmark.loadNote(machine));
        notes.add(metricsPorts == null ? "metrics off (no metrics-port)" : "metrics on: the CPUs count every request, "
                + "reply, checkpoint and semaphore wait, and serve GET /metrics at ports " + metricsPorts);
        notes.add(String.format(Locale.ROOT, "the server executed %d requests and the clients got %d replies (each "
                + "executed once); %d replies left after the backup held them, %d without a backup", server.executed(),
                echoed, server.replied(), server.noBackup()));
        if (rates.values().stream().flatMap(List::stream).anyMatch(ConcurrentCallers.Run::cutShort)
                || hzRates.values().stream().flatMap(List::stream).anyMatch(ConcurrentCallers.Run::cutShort)
                || nowaitRates.values().stream().flatMap(List::stream).anyMatch(ConcurrentCallers.Run::cutShort)) {
            notes.add("a throughput run was cut short by its " + counts.limitSeconds() + " s limit: its rate is of the "
                    + "requests it completed");
        }
        String title = String.format(Locale.ROOT, "node \\%s; pair %s: primary on CPU 1 (child JVM, pid %d), backup on "
                        + "CPU 0 (this JVM, pid %d); requester on CPU 0, echo peer and executor on CPU 1; round trips "
                        + "interleaved in blocks of %d after %d warm-up each; throughput: %s client(s), %d requests a run",
                nodeName, WriteReadBenchmark.NAME, childPid, ProcessHandle.current().pid(), WriteReadBenchmark.BLOCK,
                counts.warmup(), counts.clients(), counts.requests());
        return new PairBenchReport(WriteReadBenchmark.BENCH, title, Unit.US, machine, latencies, throughputs, targets,
                notes);
    }

    private static List<PairBenchReport.Field> withFloor(Floors.Floor floor, double ops, PairBenchReport.Field... more) {
        List<PairBenchReport.Field> fields = new ArrayList<>(floor.rateFields(ops));
        fields.addAll(List.of(more));
        return fields;
    }

    /** The median run's rate, as {@link PairBenchReport.Throughput#opsPerSecond()} takes it. */
    private static double median(List<ConcurrentCallers.Run> runs) {
        List<Double> perSecond = new ArrayList<>(runs.stream().map(ConcurrentCallers.Run::perSecond).toList());
        perSecond.sort(Double::compare);
        return perSecond.get(perSecond.size() / 2);
    }

    /** The parts of a WRITEREAD the server sees, as detail rows under it; the rest is the reply's way back. */
    private void partRows(List<PairBenchReport.Latency> latencies, int size, String wrCase, String rawCase) {
        Stats request = requestLegs.get(size);
        if (request != null) {
            latencies.add(new PairBenchReport.Latency(wrCase + REQUEST_SUFFIX, request, rawCase, true,
                    "of which the request's way: the call until READUPDATE returned in the server (one clock: "
                            + "System.nanoTime of two JVMs of one Linux machine)", List.of()));
        }
        Stats s = inServer.get(size);
        if (s != null) {
            latencies.add(new PairBenchReport.Latency(wrCase + SERVER_SUFFIX, s, rawCase, true,
                    "of which in the server: READUPDATE's return until the reply left (reply and state change "
                            + "checkpointed to CPU 0 and acknowledged)", List.of()));
        }
    }

    private PairBenchReport.Throughput throughput(String name, int clients, List<ConcurrentCallers.Run> runs,
                                                  String note, List<PairBenchReport.Field> extra) {
        int n = runs.stream().mapToInt(ConcurrentCallers.Run::calls).min().orElse(0);
        return new PairBenchReport.Throughput(name, n, clients, runs.stream().map(ConcurrentCallers.Run::perSecond)
                .toList(), note + "; median of " + runs.size() + " run(s)", extra);
    }

    private static double ratio(Stats a, Stats b) {
        return b.p50() == 0 ? Double.NaN : (double) a.p50() / b.p50();
    }

    private static PairBenchReport.Field parkedRatio(Stats s, Stats parked) {
        return PairBenchReport.Field.of("ratio_p50_parked", ratio(s, parked), 2);
    }

    private static PairBenchReport.Field hzRatio(Stats s, Stats hz) {
        return PairBenchReport.Field.of("ratio_p50_hz_executor", ratio(s, hz), 2);
    }
}
