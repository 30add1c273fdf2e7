package org.openpair.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;

import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.StopScope;

/**
 * The floors every benchmark divides by, measured in the calling run, each under one name in
 * every bench (the design notes' JSON shape: {@code "baseline":"<floor>","baseline_p50_us":…,
 * "ratio_p50":…}):
 * <ul>
 *   <li>{@value #TCP_PARKED}: 100 B round trip over 127.0.0.1 to an {@link EchoPeer} in the
 *       other JVM (which waits in {@code epoll_wait}, as the CPU link's threads do), the
 *       requester waiting in {@code epoll_wait} too ({@link TcpFloor.Model#PARKED}): the floor of
 *       a path whose waiting thread parks and is woken (a WRITEREAD). {@code -4KiB}: 4096 B;</li>
 *   <li>{@value #TCP_SPINNING}: the same with the requester busy-polling its read, yielding
 *       between reads ({@link TcpFloor.Model#SPINNING}): the floor of a path whose waiting thread
 *       reads the socket itself (a synchronous checkpoint, which polls the link for its ack);</li>
 *   <li>{@value #IMAP_SET}: {@code IMap.set} of 100 B with one synchronous backup, from one
 *       member for keys another member owns ({@link RemoteSetBaseline}); {@value #IMAP_SET_IDLE}:
 *       the same set after 150 ms of silence, Hazelcast's threads parked, as a takeover's writes
 *       come;</li>
 *   <li>{@value #IMAP_GET}: {@code IMap.get} of keys another member owns ({@link RemoteGetBaseline});</li>
 *   <li>{@value #MEMBER_REMOVED}: SIGKILL of a member's JVM until the survivor's
 *       {@code MembershipListener.memberRemoved}, Hazelcast's own detection ({@link Removals}).</li>
 * </ul>
 * The floors alone: {@code guardian bench floors [--json]} ({@link #measure}), useful to compare
 * machines. Thread models per bench: docs/performance.md.
 */
final class Floors {
    static final int TCP_SIZE = 100;
    static final int TCP_LARGE = 4096;
    static final String TCP_PARKED = "tcp-rtt-parked";
    static final String TCP_SPINNING = "tcp-rtt-spinning";
    static final String IMAP_SET = "hz-imap-set";
    static final String IMAP_SET_IDLE = "hz-imap-set-idle";
    static final String IMAP_GET = "hz-imap-get";
    static final String MEMBER_REMOVED = "hz-member-removed";
    /** Round trips of one floor in a row before the other's, so that a noisy moment weighs on both. */
    static final int BLOCK = 100;
    private static final Duration IDLE = Duration.ofMillis(150);
    private static final Duration REMOVAL_LIMIT = Duration.ofSeconds(60);
    private static final Duration KILL_LIMIT = Duration.ofSeconds(30);

    /**
     * One floor's figures.
     *
     * @param name  the case name every bench uses for it
     * @param stats its figures, ns
     * @param unit  the unit its JSON line is written in
     * @param note  what was measured, in words
     */
    record Floor(String name, Stats stats, Unit unit, String note) {
        Floor {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(stats, "stats");
            Objects.requireNonNull(unit, "unit");
        }

        /** One caller, one operation at a time: the rate the floor's median allows. */
        double opsPerSecond() {
            return stats.p50() == 0 ? Double.NaN : 1e9 / stats.p50();
        }

        /** The floor as a case of a pair bench's report (a baseline: no baseline of its own). */
        PairBenchReport.Latency latency() {
            return new PairBenchReport.Latency(name, stats, null, false, note, List.of());
        }

        /** The fields a throughput line carries next to its own rate: this floor's rate and the ratio. */
        List<PairBenchReport.Field> rateFields(double opsPerSecond) {
            return List.of(PairBenchReport.Field.of("baseline", name),
                    PairBenchReport.Field.of("baseline_ops_per_s", opsPerSecond(), 0),
                    PairBenchReport.Field.of("ratio_ops_per_s", opsPerSecond / opsPerSecond(), 2));
        }

        JsonLine json() {
            String u = unit.suffix();
            int d = unit.decimals();
            JsonLine json = new JsonLine().put("bench", "floors").put("case", name).put("n", stats.n())
                    .put("p50_" + u, unit.of(stats.p50()), d).put("p99_" + u, unit.of(stats.p99()), d)
                    .put("max_" + u, unit.of(stats.max()), d);
            if (unit != Unit.MS) {
                json.put("ops_per_s", opsPerSecond(), 0);
            }
            return json;
        }
    }

    /** A floor from samples. */
    static Floor of(String name, Samples samples, Unit unit, String note) {
        return new Floor(name, samples.stats(), unit, note);
    }

    /** What the TCP floors' notes say, by model. */
    static String tcpNote(TcpFloor.Model model, int size) {
        return size + " B echoed back by the other JVM over 127.0.0.1 (TCP_NODELAY), which waits in epoll_wait as "
                + "the link's threads do; the requester "
                + (model == TcpFloor.Model.PARKED ? "waits in epoll_wait too" : "busy-polls its read, yielding between reads");
    }

    /**
     * When each member was reported removed, µs since the epoch, as the survivor's listener saw
     * it: the end of the {@value #MEMBER_REMOVED} floor, and of a takeover's detection.
     */
    static final class Removals implements MembershipListener {
        private final Map<UUID, Long> removedAt = new ConcurrentHashMap<>();

        static Removals on(HazelcastInstance hz) {
            Removals r = new Removals();
            hz.getCluster().addMembershipListener(r);
            return r;
        }

        @Override
        public void memberAdded(MembershipEvent event) {
        }

        @Override
        public void memberRemoved(MembershipEvent event) {
            removedAt.put(event.getMember().getUuid(), TakeoverBenchProgram.epochMicros());
        }

        /** When {@code member} was reported removed, µs since the epoch; waits at most {@code limit}. */
        long await(UUID member, Duration limit) {
            long end = System.nanoTime() + limit.toNanos();
            Long at;
            while ((at = removedAt.get(member)) == null) {
                if (System.nanoTime() - end > 0) {
                    throw new GuardianException(GuardianError.TIMED_OUT, "member " + member
                            + " was not reported removed within " + limit.toSeconds() + " s");
                }
                LockSupport.parkNanos(Duration.ofMillis(1).toNanos());
            }
            return at;
        }
    }

    /**
     * How much {@code guardian bench floors} measures.
     *
     * @param samples round trips of each TCP floor, and operations of each IMap floor
     * @param warmup  of each, before measuring
     * @param idle    idle sets
     * @param kills   SIGKILLs of CPU 1's JVM for {@value #MEMBER_REMOVED}
     */
    record Counts(int samples, int warmup, int idle, int kills) {
        Counts {
            if (samples < 1 || warmup < 0 || idle < 1 || kills < 1) {
                throw new IllegalArgumentException("counts out of range: " + samples + "/" + warmup + "/" + idle + "/"
                        + kills);
            }
        }

        static Counts full() {
            return new Counts(20_000, 5_000, 50, 5);
        }

        static Counts smoke() {
            return new Counts(300, 100, 3, 1);
        }
    }

    private Floors() {
    }

    /**
     * Every floor on a fresh pair node (CPU 0 in this JVM, CPU 1 a child JVM, the echo peer a
     * hosted process on CPU 1): the two TCP floors interleaved in blocks of {@value #BLOCK},
     * then the IMap floors from CPU 0 for keys CPU 1 owns, then the kills.
     */
    static List<Floor> measure(Counts counts, PrintWriter progress) {
        List<Floor> floors = new ArrayList<>();
        try (PairBenchNode node = PairBenchNode.start(progress, TakeoverBenchmark.Counts.DEFAULT_HEARTBEAT_TIMEOUT)) {
            Guardian g = node.guardian();
            Path work = node.config().logDir().resolveSibling("work");
            Files.createDirectories(work);
            ProcessHandle echo = CheckpointBenchmark.startEcho(node, g, work.resolve("echo.port"));
            try {
                int port = Integer.parseInt(Files.readString(work.resolve("echo.port"), StandardCharsets.US_ASCII).trim());
                floors.addAll(tcp(port, counts, progress));
            } finally {
                CheckpointBenchmark.stopQuietly(g, echo, StopScope.TARGET);
            }
            floors.addAll(imap(node.hazelcast(), node.childMember(), counts, progress));
            floors.add(memberRemoved(node, Removals.on(node.hazelcast()), counts.kills(), progress));
        } catch (IOException e) {
            throw new UncheckedIOException("bench floors: " + e.getMessage(), e);
        }
        return floors;
    }

    private static List<Floor> tcp(int port, Counts counts, PrintWriter progress) throws IOException {
        Samples parked = new Samples(TCP_PARKED, counts.samples());
        Samples spinning = new Samples(TCP_SPINNING, counts.samples());
        try (TcpFloor p = TcpFloor.connect(port, TcpFloor.Model.PARKED);
             TcpFloor s = TcpFloor.connect(port, TcpFloor.Model.SPINNING)) {
            Deadline warm = Deadline.start("tcp floors warm-up");
            p.roundTrips(TCP_SIZE, counts.warmup(), null, warm);
            s.roundTrips(TCP_SIZE, counts.warmup(), null, warm);
            Deadline limit = Deadline.start("tcp floors");
            for (int done = 0; done < counts.samples(); done += BLOCK) {
                int n = Math.min(BLOCK, counts.samples() - done);
                p.roundTrips(TCP_SIZE, n, parked, limit);
                s.roundTrips(TCP_SIZE, n, spinning, limit);
            }
        }
        say(progress, "tcp floors: %d round trips each, parked p50 %.1f us, spinning p50 %.1f us", counts.samples(),
                parked.stats().p50() / 1e3, spinning.stats().p50() / 1e3);
        return List.of(of(TCP_PARKED, parked, Unit.US, tcpNote(TcpFloor.Model.PARKED, TCP_SIZE)),
                of(TCP_SPINNING, spinning, Unit.US, tcpNote(TcpFloor.Model.SPINNING, TCP_SIZE)));
    }

    /** The IMap floors from {@code from} for keys {@code owner} holds: set, set after idling, get. */
    static List<Floor> imap(HazelcastInstance from, Member owner, Counts counts, PrintWriter progress) {
        RemoteSetBaseline sets = new RemoteSetBaseline(from, owner);
        RemoteGetBaseline gets = new RemoteGetBaseline(from, owner);
        Samples set = new Samples(IMAP_SET, counts.samples());
        Samples idle = new Samples(IMAP_SET_IDLE, counts.idle());
        Samples get = new Samples(IMAP_GET, counts.samples());
        sets.prepare();
        gets.prepare();
        sets.measure(counts.warmup(), null, Deadline.start("IMap.set warm-up"));
        gets.measure(counts.warmup(), null, Deadline.start("IMap.get warm-up"));
        Deadline limit = Deadline.start("IMap floors");
        for (int done = 0; done < counts.samples(); done += BLOCK) {
            int n = Math.min(BLOCK, counts.samples() - done);
            sets.measure(n, set, limit);
            gets.measure(n, get, limit);
        }
        sets.measureIdle(counts.idle(), IDLE, idle, Deadline.start("IMap.set after idle"));
        say(progress, "IMap floors: set p50 %.1f us (%s backups), get p50 %.1f us, idle set p50 %.1f us",
                set.stats().p50() / 1e3, sets.backups(), get.stats().p50() / 1e3, idle.stats().p50() / 1e3);
        return List.of(setFloor(set), idleSetFloor(idle), of(IMAP_GET, get, Unit.US,
                "IMap.get of keys the other member owns (one request/response between members)"));
    }

    static Floor setFloor(Samples set) {
        return of(IMAP_SET, set, Unit.US, "IMap.set(100 B) of keys the other member owns, one sync backup");
    }

    static Floor idleSetFloor(Samples idle) {
        return of(IMAP_SET_IDLE, idle, Unit.US, "the same set, each after " + IDLE.toMillis()
                + " ms idle (Hazelcast's threads parked, as a takeover's writes come)");
    }

    static Duration idlePause() {
        return IDLE;
    }

    /**
     * {@code kills} SIGKILLs of CPU 1's JVM with CPU 0 leaving the loss to Hazelcast's own
     * detection, each timed until {@code removals} saw the member go; CPU 1 is started again
     * after each.
     */
    static Floor memberRemoved(PairBenchNode node, Removals removals, int kills, PrintWriter progress) {
        Samples removed = new Samples(MEMBER_REMOVED, kills);
        node.local().actOnKernelEvidence(false);
        try {
            Deadline limit = Deadline.start("member-removed floor", Duration.ofMinutes(10));
            for (int i = 0; i < kills; i++) {
                limit.check(i, kills);
                if (!node.child().isAlive()) {
                    node.startChild();
                }
                Member child = node.childMember();
                if (child == null) {
                    throw new GuardianException(GuardianError.DEVICE_DOWN, "CPU " + PairBenchNode.CHILD_CPU
                            + " is not a member");
                }
                long t0 = TakeoverBenchProgram.epochMicros();
                node.child().sigkill();
                long at = removals.await(child.getUuid(), REMOVAL_LIMIT);
                removed.add((at - t0) * 1_000);
                if (!node.child().kill9(KILL_LIMIT)) {
                    throw new GuardianException(GuardianError.TIMED_OUT, "CPU " + PairBenchNode.CHILD_CPU
                            + "'s JVM did not exit after SIGKILL");
                }
                say(progress, "kill %d/%d: memberRemoved after %.1f ms", i + 1, kills, (at - t0) / 1e3);
            }
        } finally {
            node.local().actOnKernelEvidence(true);
        }
        return memberRemovedFloor(removed);
    }

    static Floor memberRemovedFloor(Samples removed) {
        return of(MEMBER_REMOVED, removed, Unit.MS, "SIGKILL of a member's JVM -> the survivor's "
                + "MembershipListener.memberRemoved (Hazelcast's own detection)");
    }

    /** The floors as a table: machine, then one row per floor. */
    static void printTable(Machine machine, List<Floor> floors, PrintWriter out) {
        out.println(machine.oneLine());
        out.println("bench floors: the floors every bench divides by, CPU 0 (this JVM) to CPU 1 (child JVM)");
        String row = "%-20s %7s %12s %12s %12s %11s  %s%n";
        out.printf(Locale.ROOT, row, "floor", "n", "p50", "p99", "max", "ops/s", "what");
        for (Floor f : floors) {
            out.printf(Locale.ROOT, row, f.name(), f.stats().n(), figure(f, f.stats().p50()),
                    figure(f, f.stats().p99()), figure(f, f.stats().max()),
                    f.unit() == Unit.MS ? "-" : String.format(Locale.ROOT, "%.0f", f.opsPerSecond()), f.note());
        }
        out.flush();
    }

    /** The machine line, then one JSON line per floor. */
    static List<String> jsonLines(Machine machine, List<Floor> floors) {
        List<String> lines = new ArrayList<>();
        lines.add(machine.json().toString());
        floors.forEach(f -> lines.add(f.json().toString()));
        return lines;
    }

    private static String figure(Floor f, long nanos) {
        return String.format(Locale.ROOT, "%." + f.unit().decimals() + "f %s", f.unit().of(nanos), f.unit().suffix());
    }

    private static void say(PrintWriter progress, String format, Object... args) {
        progress.println("bench floors: " + String.format(Locale.ROOT, format, args));
        progress.flush();
    }
}
