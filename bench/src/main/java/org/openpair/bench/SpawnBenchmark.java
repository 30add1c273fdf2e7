package org.openpair.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;

import org.openpair.emulator.cluster.EngineMembership;
import org.openpair.emulator.names.NameCache;
import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.procedures.NodeGuardian;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;

/**
 * {@code guardian bench spawn}: what creating, stopping and finding a process costs across
 * CPUs, next to a plain Hazelcast {@code IMap.get} between the same two members measured in
 * the same run.
 *
 * <p>A private node of two CPUs runs in this JVM ({@link BenchNode}); every call is made
 * through CPU 0's Guardian procedures for a process on CPU 1, so each one crosses members:
 * <ul>
 *   <li>{@code hosted-spawn-stop}: PROCESS_SPAWN_ of a hosted program ({@link WaitsUntilStopped})
 *       then PROCESS_STOP_ of it; {@code hosted-spawn} and {@code hosted-stop} are the two
 *       halves of the same iterations;</li>
 *   <li>{@code os-spawn-stop}: the same for the OS executable {@code sleep 600}, stopped by
 *       SIGTERM and reaped; {@code os-spawn} and {@code os-stop} its halves;</li>
 *   <li>{@code lookup-remote}: looking up the name of a process of CPU 1 ({@code $BENCH}, or
 *       a name like it whose entries CPU 1 owns) from CPU 0: the name entry from CPU 0's name
 *       cache, the process entry read across members; {@code lookup-local}: the same lookup made
 *       on CPU 1, whose member owns both entries; {@code lookup-remote-uncached}: the same two
 *       entries read from the tables on CPU 0, as a lookup without the cache does, both reads
 *       crossing members;</li>
 *   <li>{@code hz-imap-get}: the floor ({@link Floors}, {@link RemoteGetBaseline}), taken in four
 *       batches spread over the run so that a noisy minute weighs on it as on the rest.</li>
 * </ul>
 * Each phase warms up first and is bounded by {@link Deadline#PHASE_LIMIT}. Figures are
 * medians and 99th percentiles, not pass/fail: the machines are shared and noisy.
 *
 * <p>Run: {@code ./guardian bench spawn [--hosted N] [--os N] [--lookups N] [--json]}, or
 * {@code --smoke} for small counts.
 */
public final class SpawnBenchmark {
    public static final String BENCH = "spawn";
    static final String HOSTED_SPAWN_STOP = "hosted-spawn-stop";
    static final String HOSTED_SPAWN = "hosted-spawn";
    static final String HOSTED_STOP = "hosted-stop";
    static final String OS_SPAWN_STOP = "os-spawn-stop";
    static final String OS_SPAWN = "os-spawn";
    static final String OS_STOP = "os-stop";
    static final String LOOKUP_REMOTE = "lookup-remote";
    static final String LOOKUP_LOCAL = "lookup-local";
    static final String LOOKUP_REMOTE_UNCACHED = "lookup-remote-uncached";
    static final String LOOKUP_NAME = "$BENCH";
    static final String OS_PROGRAM = "sleep";
    private static final int CALLER_CPU = 0;
    private static final int TARGET_CPU = 1;
    private static final int BASELINE_BATCHES = 4;

    /**
     * How many samples each phase takes.
     *
     * @param hosted  hosted spawn+stop iterations
     * @param os      OS spawn+stop iterations
     * @param lookups name lookups from each of the two CPUs; also the number of baseline gets
     */
    public record Counts(int hosted, int os, int lookups) {
        public static final int DEFAULT_HOSTED = 1000;
        public static final int DEFAULT_OS = 100;
        public static final int DEFAULT_LOOKUPS = 2000;

        public Counts {
            if (hosted < 1 || os < 1 || lookups < BASELINE_BATCHES) {
                throw new IllegalArgumentException("counts must be at least 1 (lookups " + BASELINE_BATCHES + "): hosted="
                        + hosted + " os=" + os + " lookups=" + lookups);
            }
        }

        /** The counts the figures in docs/performance.md come from: 1000 / 100 / 2000. */
        public static Counts full() {
            return new Counts(DEFAULT_HOSTED, DEFAULT_OS, DEFAULT_LOOKUPS);
        }

        /** Small counts for the test suite: 50 / 10 / 200; the shape is right, the figures mean little. */
        public static Counts smoke() {
            return new Counts(50, 10, 200);
        }

        int baseline() {
            return lookups;
        }

        int hostedWarmup() {
            return clamp(hosted / 5, 5, 200);
        }

        int osWarmup() {
            return clamp(os / 10, 2, 10);
        }

        int lookupWarmup() {
            return clamp(lookups / 4, 20, 500);
        }

        int baselineWarmup() {
            return clamp(baseline() / 2, 50, 1000);
        }

        private static int clamp(int v, int min, int max) {
            return Math.max(min, Math.min(max, v));
        }
    }

    private final Counts counts;
    private final PrintWriter progress;

    /**
     * @param progress where to say what is running (stderr for the command); not the report
     */
    public SpawnBenchmark(Counts counts, PrintWriter progress) {
        this.counts = counts;
        this.progress = progress;
    }

    /** Runs every phase on a fresh private node, closes it, and returns the figures. */
    public BenchReport run() {
        Machine machine = Machine.current();
        long started = System.nanoTime();
        Samples baseline = new Samples(RemoteGetBaseline.CASE, counts.baseline());
        Samples hostedBoth = new Samples(HOSTED_SPAWN_STOP, counts.hosted());
        Samples hostedSpawn = new Samples(HOSTED_SPAWN, counts.hosted());
        Samples hostedStop = new Samples(HOSTED_STOP, counts.hosted());
        Samples osBoth = new Samples(OS_SPAWN_STOP, counts.os());
        Samples osSpawn = new Samples(OS_SPAWN, counts.os());
        Samples osStop = new Samples(OS_STOP, counts.os());
        Samples lookupsRemote = new Samples(LOOKUP_REMOTE, counts.lookups());
        Samples lookupsLocal = new Samples(LOOKUP_LOCAL, counts.lookups());
        Samples lookupsUncached = new Samples(LOOKUP_REMOTE_UNCACHED, counts.lookups());
        String nodeName;
        String[] lookupNotes;
        try (BenchNode bench = BenchNode.start(progress)) {
            nodeName = bench.node().config().nodeName();
            Guardian g0 = bench.node().cpu(CALLER_CPU).guardian();
            RemoteGetBaseline gets = new RemoteGetBaseline(bench.hazelcast(CALLER_CPU), bench.member(TARGET_CPU));
            int[] batches = split(counts.baseline(), BASELINE_BATCHES);

            say("baseline warm-up: %d gets", counts.baselineWarmup());
            gets.prepare();
            gets.measure(counts.baselineWarmup(), null, Deadline.start("baseline warm-up"));
            baselineBatch(gets, batches[0], baseline, 1);

            SpawnRequest hosted = SpawnRequest.of(Program.hosted(WaitsUntilStopped.class)).cpu(TARGET_CPU).build();
            spawnStopPhase("hosted spawn+stop", g0, hosted, counts.hostedWarmup(), counts.hosted(),
                    hostedBoth, hostedSpawn, hostedStop);
            baselineBatch(gets, batches[1], baseline, 2);

            SpawnRequest os = SpawnRequest.of(Program.executable(OS_PROGRAM)).args("600").cpu(TARGET_CPU).build();
            spawnStopPhase("OS spawn+stop (" + OS_PROGRAM + " 600)", g0, os, counts.osWarmup(), counts.os(),
                    osBoth, osSpawn, osStop);
            baselineBatch(gets, batches[2], baseline, 3);

            lookupNotes = lookupPhase(bench, g0, lookupsRemote, lookupsLocal, lookupsUncached);
            baselineBatch(gets, batches[3], baseline, 4);
        }
        say("done in %.1f s", (System.nanoTime() - started) / 1e9);

        String cross = "CPU " + CALLER_CPU + " -> CPU " + TARGET_CPU;
        List<BenchReport.Case> cases = new ArrayList<>();
        cases.add(new BenchReport.Case(HOSTED_SPAWN_STOP, hostedBoth.stats(),
                "processSpawn + processStop of a hosted program, " + cross));
        cases.add(new BenchReport.Case(HOSTED_SPAWN, hostedSpawn.stats(), "  processSpawn alone (until it is in the tables)"));
        cases.add(new BenchReport.Case(HOSTED_STOP, hostedStop.stats(), "  processStop alone (until it has ended)"));
        cases.add(new BenchReport.Case(OS_SPAWN_STOP, osBoth.stats(),
                "processSpawn + processStop of '" + OS_PROGRAM + " 600', " + cross));
        cases.add(new BenchReport.Case(OS_SPAWN, osSpawn.stats(), "  processSpawn alone (posix_spawn and exec, pid published)"));
        cases.add(new BenchReport.Case(OS_STOP, osStop.stats(), "  processStop alone (SIGTERM, reaped, tables updated)"));
        cases.add(new BenchReport.Case(LOOKUP_REMOTE, lookupsRemote.stats(), lookupNotes[0]));
        cases.add(new BenchReport.Case(LOOKUP_LOCAL, lookupsLocal.stats(), lookupNotes[1]));
        cases.add(new BenchReport.Case(LOOKUP_REMOTE_UNCACHED, lookupsUncached.stats(), lookupNotes[2]));
        BenchReport.Case base = new BenchReport.Case(RemoteGetBaseline.CASE, baseline.stats(),
                "IMap.get on CPU " + CALLER_CPU + " of keys owned by CPU " + TARGET_CPU + " (4 batches over the run)");
        String title = "node \\" + nodeName + ", " + BenchNode.CPUS + " CPUs in one JVM over loopback; calls made on CPU "
                + CALLER_CPU + " for CPU " + TARGET_CPU + "; warm-up " + counts.hostedWarmup() + "/" + counts.osWarmup()
                + "/" + counts.lookupWarmup() + "/" + counts.baselineWarmup() + " (hosted/OS/lookup/baseline)";
        return new BenchReport(BENCH, title, Unit.US, machine, base, cases);
    }

    private void baselineBatch(RemoteGetBaseline gets, int count, Samples into, int batch) {
        gets.prepare();
        Samples batchSamples = new Samples(RemoteGetBaseline.CASE + " " + batch, count);
        gets.measure(count, batchSamples, Deadline.start("baseline batch " + batch));
        Stats s = batchSamples.stats();
        say("baseline batch %d/%d: %d IMap.get, p50 %.1f us, p99 %.1f us", batch, BASELINE_BATCHES, count,
                s.p50() / 1e3, s.p99() / 1e3);
        into.addAll(batchSamples);
    }

    private void spawnStopPhase(String label, Guardian g0, SpawnRequest request, int warmup, int n,
                                Samples both, Samples spawn, Samples stop) {
        say("%s: %d warm-up, %d measured", label, warmup, n);
        Deadline deadline = Deadline.start(label);
        int total = warmup + n;
        for (int i = 0; i < total; i++) {
            deadline.check(i, total);
            long t0 = System.nanoTime();
            ProcessHandle h = g0.processSpawn(request);
            long t1 = System.nanoTime();
            g0.processStop(h);
            long t2 = System.nanoTime();
            if (h.cpu() != TARGET_CPU) {
                throw new IllegalStateException(label + ": spawned on CPU " + h.cpu() + ", not " + TARGET_CPU);
            }
            if (i >= warmup) {
                both.add(t2 - t0);
                spawn.add(t1 - t0);
                stop.add(t2 - t1);
            }
        }
    }

    /**
     * Times name lookups of a process of CPU 1, from CPU 0 ({@code lookup-remote}), from CPU 1
     * ({@code lookup-local}) and from CPU 0's tables without its name cache
     * ({@code lookup-remote-uncached}), in turn. A lookup reads two entries, the name's (from
     * the CPU's name cache once it listens) and the process's; the name (and, by respawning,
     * the PIN) is chosen so that CPU 1's member owns both partitions, which makes every table
     * read of the remote cases cross members and every read of the local case stay in its
     * member, whatever the partition table of this run. Returns the notes of the three cases.
     */
    private String[] lookupPhase(BenchNode bench, Guardian g0, Samples remote, Samples local, Samples uncached) {
        HazelcastInstance hz0 = bench.hazelcast(CALLER_CPU);
        Guardian g1 = bench.node().cpu(TARGET_CPU).guardian();
        ProcessName name = nameOwnedBy(hz0, TARGET_CPU);
        NodeTables tables0 = new NodeTables(bench.node().cpu(CALLER_CPU).engine(), bench.node().config().nodeKey());
        NameCache cache0 = ((NodeGuardian) g0).nameLookups();
        NameCache cache1 = ((NodeGuardian) g1).nameLookups();
        int warmup = counts.lookupWarmup();
        int total = warmup + counts.lookups();
        say("lookup of %s: %d warm-up, %d measured from each CPU", name, warmup, counts.lookups());
        SpawnRequest request = SpawnRequest.of(Program.hosted(WaitsUntilStopped.class)).name(name).cpu(TARGET_CPU).build();
        ProcessHandle h = g0.processSpawn(request);
        // PINs advance on every spawn: respawn until the process entry's partition is CPU 1's too.
        for (int attempt = 0; !ownerCpu(hz0, NodeTables.processKey(h)).equals(String.valueOf(TARGET_CPU)); attempt++) {
            g0.processStop(h);
            if (attempt == 200) {
                throw new IllegalStateException("no PIN of CPU " + TARGET_CPU + " maps to a partition it owns");
            }
            h = g0.processSpawn(request);
        }
        long hits0 = 0;
        long reads0 = 0;
        try {
            Deadline deadline = Deadline.start("lookup of " + name);
            for (int i = 0; i < total; i++) {
                deadline.check(i, total);
                if (i == warmup) {
                    awaitCaching(cache0, cache1);
                    hits0 = cache0.hits();
                    reads0 = cache0.reads();
                }
                long t0 = System.nanoTime();
                ProcessInfo fromRemote = g0.lookup(name).orElse(null);
                long t1 = System.nanoTime();
                ProcessInfo fromLocal = g1.lookup(name).orElse(null);
                long t2 = System.nanoTime();
                NameEntry entry = tables0.names().get(name.toString());
                ProcessInfo fromTables = entry == null ? null
                        : tables0.processes().get(NodeTables.processKey(entry.primary()));
                long t3 = System.nanoTime();
                for (ProcessInfo found : new ProcessInfo[] {fromRemote, fromLocal, fromTables}) {
                    if (found == null || !found.handle().equals(h)) {
                        throw new GuardianException(GuardianError.NO_SUCH_DEVICE, "lookup of " + name + " found "
                                + found + " instead of " + h);
                    }
                }
                if (i >= warmup) {
                    remote.add(t1 - t0);
                    local.add(t2 - t1);
                    uncached.add(t3 - t2);
                }
            }
        } finally {
            g0.processStop(h);
        }
        long hits = cache0.hits() - hits0;
        long reads = cache0.reads() - reads0;
        String owned = ", entries owned by CPU " + TARGET_CPU;
        return new String[] {
            "lookup(" + name + ") on CPU " + CALLER_CPU + " of a process on CPU " + TARGET_CPU + ": name from the cache ("
                    + hits + " hits, " + reads + " table reads), 1 get of the process entry" + owned,
            "lookup(" + name + ") on CPU " + TARGET_CPU + " of a process on CPU " + TARGET_CPU
                    + ": name from the cache, 1 local get" + owned,
            "the same on CPU " + CALLER_CPU + " from the tables, no cache: 2 gets" + owned};
    }

    /** Waits until both CPUs' name caches listen: before that, every lookup is a table read. */
    private static void awaitCaching(NameCache... caches) {
        long end = System.nanoTime() + Deadline.PHASE_LIMIT.toNanos();
        for (NameCache c : caches) {
            while (!c.caching()) {
                if (System.nanoTime() - end > 0) {
                    throw new IllegalStateException("a CPU's name cache did not start listening within "
                            + Deadline.PHASE_LIMIT.toSeconds() + " s");
                }
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
        }
    }

    /** {@code $BENCH} if CPU {@code cpu} owns its partition, else the first such {@code $BNCnn}. */
    private static ProcessName nameOwnedBy(HazelcastInstance hz, int cpu) {
        String wanted = String.valueOf(cpu);
        ProcessName name = ProcessName.of(LOOKUP_NAME);
        for (int i = 0; !ownerCpu(hz, name.toString()).equals(wanted); i++) {
            if (i == 100) {
                throw new IllegalStateException("no name $BNC00-$BNC99 maps to a partition CPU " + cpu + " owns");
            }
            name = ProcessName.of(String.format(Locale.ROOT, "$BNC%02d", i));
        }
        return name;
    }

    /** The CPU whose member owns a key's partition (both tables are keyed by strings). */
    private static String ownerCpu(HazelcastInstance hz, String key) {
        Member owner = hz.getPartitionService().getPartition(key).getOwner();
        String cpu = owner == null ? null : owner.getAttribute(EngineMembership.CPU_ATTRIBUTE);
        return cpu == null ? "?" : cpu;
    }

    /** {@code total} split into {@code parts} nearly equal positive parts. */
    static int[] split(int total, int parts) {
        int[] out = new int[parts];
        for (int i = 0; i < parts; i++) {
            out[i] = total / parts + (i < total % parts ? 1 : 0);
        }
        return out;
    }

    private void say(String format, Object... args) {
        progress.println("bench spawn: " + String.format(Locale.ROOT, format, args));
        progress.flush();
    }
}
