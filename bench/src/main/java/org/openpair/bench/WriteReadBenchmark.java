package org.openpair.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.openpair.emulator.cluster.Engine;
import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.StopScope;

/**
 * {@code guardian bench writeread}: what a WRITEREAD to a process pair costs through the public
 * API ({@link Guardian#fileOpen}, {@link ProcessFile#writeRead}) when requester and server run
 * in different JVMs and every request is checkpointed to the server's backup before its reply
 * leaves, next to the floor of its thread model measured in the same run between the same two
 * JVMs, and Hazelcast's own request/reply (an executor call) alongside.
 *
 * <p>Floor: {@value Floors#TCP_SPINNING} ({@link Floors}; {@code -4KiB} for the 4 KiB case). The
 * requester reads its link for its reply for about one usual round trip, yielding between
 * reads, before it parks on the reply's future; the link's connection threads wait in
 * {@code epoll_wait}. So a single requester is a yielding poller talking to parked readers,
 * which is the spinning floor's model. {@value Floors#TCP_PARKED} (both ends parked) is
 * measured too, interleaved, and each latency line carries its ratio to it
 * ({@code ratio_p50_parked}). Many concurrent requesters take longer than the poll's budget and
 * park at once, so throughput lines carry the parked floor's serial rate (one caller, 1/p50) as
 * {@code baseline_ops_per_s}.
 *
 * <p>The node ({@link PairBenchNode}): CPU 0 in this JVM, CPU 1 a child JVM. The server pair
 * ({@link WriteReadBenchProgram}, named {@value #NAME}) has its primary on CPU 1 and its backup
 * on CPU 0; the requester is this driver, on CPU 0, so a request crosses to CPU 1 on the CPU
 * link, its reply's checkpoint crosses back to CPU 0 and is acknowledged, and the reply crosses
 * back: two round trips between the JVMs, the least the exactly-once rule allows when the
 * requester sits beside the backup. The floor's echo peer ({@link EchoBenchProgram}) runs on
 * CPU 1 and the executor tasks ({@link RemoteCallBaseline}) on CPU 1's member.
 *
 * <p>Measured:
 * <ul>
 *   <li>round trips of 100 B and 4 KiB, WRITEREAD, the parked TCP floor and executor call, interleaved in
 *       blocks of {@value #BLOCK} after a warm-up of each (see {@link CheckpointBenchProgram}
 *       for why interleaved), and of each WRITEREAD two parts the server sees: the request's way
 *       to it, and its own part from READUPDATE until the reply left;</li>
 *   <li>requests per second with N concurrent clients (N opens with sync depth 1, each its own
 *       thread, one WRITEREAD at a time), median of several runs, next to N concurrent executor
 *       callers;</li>
 *   <li>at the end, the server's own counts: it executed exactly as many requests as the
 *       clients got replies for, and every reply was checkpointed with a backup present;
 *       otherwise the run fails, since the figures would not be of checkpointed requests.</li>
 * </ul>
 *
 * <p>Targets (from the issue): WRITEREAD p50 at most 2.5x the parked TCP floor; at least
 * 200,000 checkpointed requests a second from one server pair (at the best client count). The
 * report says whether this run met them, and by how much.
 *
 * <p>Run: {@code ./guardian bench writeread [--samples N] [--runs N] [--clients 1,4,16,64]
 * [--json]}, or {@code --smoke} for small counts.
 */
public final class WriteReadBenchmark {
    public static final String BENCH = "writeread";
    static final String NAME = "$WRB";
    static final int SMALL = 100;
    static final int LARGE = 4096;
    static final String WR_SMALL = "writeread-rtt-100B";
    static final String WR_LARGE = "writeread-rtt-4KiB";
    static final String SERVER_SUFFIX = "-server";
    static final String REQUEST_SUFFIX = "-request";
    static final String RAW_SMALL = TcpFloor.Model.PARKED.caseName(SMALL);
    static final String RAW_LARGE = TcpFloor.Model.PARKED.caseName(LARGE);
    static final String SPIN_SMALL = TcpFloor.Model.SPINNING.caseName(SMALL);
    static final String SPIN_LARGE = TcpFloor.Model.SPINNING.caseName(LARGE);
    static final String HZ_SMALL = "hz-executor-rtt-100B";
    static final String HZ_LARGE = "hz-executor-rtt-4KiB";
    static final String WR_RATE = "writeread-100B-clients-";
    static final String HZ_RATE = "hz-executor-100B-clients-";
    static final String NOWAIT_RATE = "writeread-100B-nowait-opens-";
    static final double TARGET_RATIO = 2.5;
    /** Requests a second one pair serves to 64 clients, every one checkpointed: the speed target. */
    static final double TARGET_OPS_PER_S = 200_000;
    static final int BLOCK = 100;
    private static final int HEARTBEAT_TIMEOUT_SECONDS = 5;
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration READY_LIMIT = Duration.ofSeconds(60);

    /**
     * How much to measure.
     *
     * @param samples      round trips of each kind (WRITEREAD, parked TCP floor, executor; 100 B and 4 KiB)
     * @param warmup       round trips of each kind before measuring (half of it for 4 KiB)
     * @param requests     requests per throughput run, shared among the clients
     * @param runs         measured throughput runs per client count (after one warm-up run)
     * @param clients      the client counts, ascending
     * @param limitSeconds time limit of the round trips, and of each throughput run
     */
    public record Counts(int samples, int warmup, int requests, int runs, List<Integer> clients, int limitSeconds) {
        public static final int DEFAULT_SAMPLES = 20_000;
        public static final int MIN_SAMPLES = 20_000;
        public static final int DEFAULT_RUNS = 3;
        public static final int DEFAULT_REQUESTS = 40_000;
        public static final List<Integer> DEFAULT_CLIENTS = List.of(1, 4, 16, 64);
        public static final int MAX_CLIENTS = 256;

        public Counts {
            clients = List.copyOf(clients);
            if (samples < 1 || warmup < 1 || runs < 1 || limitSeconds < 1 || clients.isEmpty()) {
                throw new IllegalArgumentException("counts out of range: " + samples + "/" + warmup + "/" + runs + "/"
                        + limitSeconds + "/" + clients);
            }
            for (int i = 0; i < clients.size(); i++) {
                int c = clients.get(i);
                if (c < 1 || c > MAX_CLIENTS || requests < c || i > 0 && c <= clients.get(i - 1)) {
                    throw new IllegalArgumentException("client counts must rise within 1.." + MAX_CLIENTS
                            + ", each at most the requests per run (" + requests + "): " + clients);
                }
            }
        }

        /** docs/performance.md's counts: 20,000 round trips of each kind, 3 runs of 40,000 requests per client count. */
        public static Counts full(int samples, int runs, List<Integer> clients) {
            return new Counts(samples, 5_000, DEFAULT_REQUESTS, runs, clients, 300);
        }

        /** Small counts for the test suite; the shape is right, the figures mean little. */
        public static Counts smoke() {
            return new Counts(200, 100, 640, 2, DEFAULT_CLIENTS, 120);
        }

        int maxClients() {
            return clients.get(clients.size() - 1);
        }
    }

    private final Counts counts;
    private final PrintWriter progress;
    /** Echo requests the clients got a reply to: the server must have executed exactly these. */
    private final AtomicLong echoed = new AtomicLong();

    /** Whether the CPUs serve and count their metrics: their cost is this run's figures against one without. */
    private final boolean metrics;

    /** @param progress where to say what is running (stderr for the command); not the report */
    public WriteReadBenchmark(Counts counts, PrintWriter progress) {
        this(counts, progress, false);
    }

    /** @param metrics whether the node's CPUs serve and count their metrics */
    public WriteReadBenchmark(Counts counts, PrintWriter progress, boolean metrics) {
        this.counts = counts;
        this.progress = progress;
        this.metrics = metrics;
    }

    /** Runs the benchmark on a fresh node, closes it, and returns the figures. */
    public PairBenchReport run() {
        Machine machine = Machine.current();
        long started = System.nanoTime();
        WriteReadFigures figures = new WriteReadFigures(counts);
        try (PairBenchNode node = PairBenchNode.start(progress, HEARTBEAT_TIMEOUT_SECONDS, metrics)) {
            figures.nodeName = node.config().nodeName();
            figures.metricsPorts = node.config().metricsPort(0).isPresent()
                    ? node.config().metricsPort(0).getAsInt() + "-" + node.config().metricsPort(1).getAsInt() : null;
            figures.childPid = node.child().pid();
            Guardian g = node.guardian();
            Path work = node.config().logDir().resolveSibling("work");
            Files.createDirectories(work);
            ProcessHandle echo = CheckpointBenchmark.startEcho(node, g, work.resolve("echo.port"));
            int echoPort = Integer.parseInt(Files.readString(work.resolve("echo.port"), StandardCharsets.US_ASCII).trim());
            say("echo peer %s on CPU %d listens on 127.0.0.1:%d", echo.cpuPin(), PairBenchNode.CHILD_CPU, echoPort);
            ProcessHandle primary = g.processSpawn(SpawnRequest.of(Program.hosted(WriteReadBenchProgram.class))
                    .name(NAME).cpu(PairBenchNode.CHILD_CPU).args(String.valueOf(PairBenchNode.LOCAL_CPU)).build());
            try {
                awaitReadyBackup(node, g, primary);
                say("pair %s: primary %s on CPU %d (pid %d), backup on CPU %d (this JVM)", NAME, primary.cpuPin(),
                        PairBenchNode.CHILD_CPU, figures.childPid, PairBenchNode.LOCAL_CPU);
                RemoteCallBaseline hz = new RemoteCallBaseline(node.hazelcast(), node.childMember());
                try (ProcessFile file = g.fileOpen(ProcessName.of(NAME), 1);
                     TcpFloor raw = TcpFloor.connect(echoPort, TcpFloor.Model.PARKED);
                     TcpFloor spin = TcpFloor.connect(echoPort, TcpFloor.Model.SPINNING)) {
                    roundTrips(file, raw, spin, hz, figures);
                    WriteReadServerStats timed = stats(file);
                    figures.requestLegs = timed.requestLegs();
                    figures.inServer = timed.inServer();
                }
                throughput(g, hz, figures);
                figures.server = stats(g);
            } finally {
                CheckpointBenchmark.stopQuietly(g, primary, StopScope.PAIR);
                CheckpointBenchmark.stopQuietly(g, echo, StopScope.TARGET);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("bench writeread: " + e.getMessage(), e);
        }
        figures.echoed = echoed.get();
        verify(figures);
        say("done in %.1f s", (System.nanoTime() - started) / 1e9);
        return figures.report(machine);
    }

    private void awaitReadyBackup(PairBenchNode node, Guardian g, ProcessHandle primary) {
        NodeTables tables = new NodeTables(new Engine(node.hazelcast()));
        long end = System.nanoTime() + READY_LIMIT.toNanos();
        while (true) {
            NameEntry e = tables.names().get(NAME);
            if (e != null && primary.equals(e.primary()) && e.backup() != null && e.ready()) {
                return;
            }
            if (g.process(primary).isEmpty()) {
                throw new GuardianException(GuardianError.DEVICE_DOWN, "the bench server " + NAME + " ended before its "
                        + "backup was ready" + node.child().tail());
            }
            if (System.nanoTime() - end > 0) {
                String log = g.process(primary).map(ProcessInfo::logFile).orElse(null);
                throw new GuardianException(GuardianError.TIMED_OUT, "the bench server " + NAME + " had no ready backup "
                        + "within " + READY_LIMIT.toSeconds() + " s" + CheckpointBenchmark.logTail(log));
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
    }

    /** WRITEREAD, both TCP floors and executor round trips of both sizes, warm-up first, then interleaved blocks. */
    private void roundTrips(ProcessFile file, TcpFloor raw, TcpFloor spin, RemoteCallBaseline hz, WriteReadFigures f)
            throws IOException {
        byte[] wrSmall = request(WriteReadBenchProgram.TIMED, SMALL);
        byte[] wrLarge = request(WriteReadBenchProgram.TIMED, LARGE);
        byte[] hzSmall = new byte[SMALL];
        byte[] hzLarge = new byte[LARGE];
        int warm = counts.warmup();
        Deadline warmLimit = Deadline.start("writeread warm-up", Duration.ofSeconds(counts.limitSeconds()));
        raw.roundTrips(SMALL, warm, null, warmLimit);
        spin.roundTrips(SMALL, warm, null, warmLimit);
        writeReads(file, request(WriteReadBenchProgram.ECHO, SMALL), warm, null, warmLimit);
        hzCalls(hz, hzSmall, warm, null, warmLimit);
        raw.roundTrips(LARGE, Math.max(1, warm / 2), null, warmLimit);
        spin.roundTrips(LARGE, Math.max(1, warm / 2), null, warmLimit);
        writeReads(file, request(WriteReadBenchProgram.ECHO, LARGE), Math.max(1, warm / 2), null, warmLimit);
        hzCalls(hz, hzLarge, Math.max(1, warm / 2), null, warmLimit);
        say("warm-up done: %d round trips of each kind (%d of 4 KiB); now %d of each, in blocks of %d", warm,
                Math.max(1, warm / 2), counts.samples(), BLOCK);

        Deadline limit = Deadline.start("writeread round trips", Duration.ofSeconds(counts.limitSeconds()));
        for (int done = 0; done < counts.samples(); done += BLOCK) {
            int n = Math.min(BLOCK, counts.samples() - done);
            raw.roundTrips(SMALL, n, f.rawSmall, limit);
            spin.roundTrips(SMALL, n, f.spinSmall, limit);
            writeReads(file, wrSmall, n, f.wrSmall, limit);
            hzCalls(hz, hzSmall, n, f.hzSmall, limit);
            raw.roundTrips(LARGE, n, f.rawLarge, limit);
            spin.roundTrips(LARGE, n, f.spinLarge, limit);
            writeReads(file, wrLarge, n, f.wrLarge, limit);
            hzCalls(hz, hzLarge, n, f.hzLarge, limit);
        }
        say("round trips done");
    }

    private void writeReads(ProcessFile file, byte[] request, int n, Samples into, Deadline limit) {
        boolean timed = request[0] == WriteReadBenchProgram.TIMED;
        for (int i = 0; i < n; i++) {
            limit.check(i, n);
            long t0 = System.nanoTime();
            if (timed) {
                // The server takes the request's way from this: one clock for every JVM of the machine.
                ByteBuffer.wrap(request).putLong(1, t0);
            }
            byte[] reply = file.writeRead(request, CALL_TIMEOUT);
            long t1 = System.nanoTime();
            echoed.incrementAndGet();
            requireEcho(request, reply);
            if (into != null) {
                into.add(t1 - t0);
            }
        }
    }

    private static void hzCalls(RemoteCallBaseline hz, byte[] payload, int n, Samples into, Deadline limit) {
        for (int i = 0; i < n; i++) {
            limit.check(i, n);
            long t0 = System.nanoTime();
            hz.call(payload);
            long t1 = System.nanoTime();
            if (into != null) {
                into.add(t1 - t0);
            }
        }
    }

    /** For each client count: a warm-up run, then the measured runs, of WRITEREADs and of executor calls. */
    private void throughput(Guardian g, RemoteCallBaseline hz, WriteReadFigures f) {
        int max = counts.maxClients();
        List<ProcessFile> files = new ArrayList<>(max);
        try (ConcurrentCallers callers = new ConcurrentCallers(max)) {
            for (int i = 0; i < max; i++) {
                files.add(g.fileOpen(ProcessName.of(NAME), 1));
            }
            byte[] request = request(WriteReadBenchProgram.ECHO, SMALL);
            byte[] payload = new byte[SMALL];
            ConcurrentCallers.Call writeRead = c -> {
                byte[] reply = files.get(c).writeRead(request, CALL_TIMEOUT);
                echoed.incrementAndGet();
                requireEcho(request, reply);
            };
            ConcurrentCallers.Call call = c -> hz.call(payload);
            Duration limit = Duration.ofSeconds(counts.limitSeconds());
            for (int n : counts.clients()) {
                int warm = Math.max(n, counts.requests() / 4);
                callers.run(n, warm, writeRead, limit);
                callers.run(n, warm, call, limit);
                nowait(files, n, warm, request, limit);
                List<ConcurrentCallers.Run> wr = new ArrayList<>();
                List<ConcurrentCallers.Run> hzRuns = new ArrayList<>();
                List<ConcurrentCallers.Run> nowaitRuns = new ArrayList<>();
                for (int r = 0; r < counts.runs(); r++) {
                    wr.add(callers.run(n, counts.requests(), writeRead, limit));
                    hzRuns.add(callers.run(n, counts.requests(), call, limit));
                    nowaitRuns.add(nowait(files, n, counts.requests(), request, limit));
                }
                f.rates.put(n, wr);
                f.hzRates.put(n, hzRuns);
                f.nowaitRates.put(n, nowaitRuns);
                say("%d client(s): %s WRITEREADs/s, %s executor calls/s; %d nowait open(s): %s WRITEREADs/s", n,
                        perSecond(wr), perSecond(hzRuns), n, perSecond(nowaitRuns));
            }
        } finally {
            files.forEach(ProcessFile::close);
        }
    }

    /** One run of {@code n} opens, each with one nowait WRITEREAD in flight, the next sent from the last's reply. */
    private ConcurrentCallers.Run nowait(List<ProcessFile> files, int n, int calls, byte[] request, Duration limit) {
        return NowaitChains.run(files, n, calls, request, CALL_TIMEOUT, reply -> {
            echoed.incrementAndGet();
            requireEcho(request, reply);
        }, limit);
    }

    private static String perSecond(List<ConcurrentCallers.Run> runs) {
        return runs.stream().map(r -> String.format(Locale.ROOT, "%.0f", r.perSecond())).toList().toString();
    }

    /** The server's counts and timings, asked on an open of its own (a stats request is not executed). */
    private static WriteReadServerStats stats(Guardian g) {
        try (ProcessFile file = g.fileOpen(ProcessName.of(NAME), 1)) {
            return stats(file);
        }
    }

    static WriteReadServerStats stats(ProcessFile file) {
        return WriteReadServerStats.decode(file.writeRead(
                new byte[] {(byte) WriteReadBenchProgram.STATS}, CALL_TIMEOUT));
    }

    /** Exactly once, every one checkpointed: else the figures are not of what they claim to measure. */
    private static void verify(WriteReadFigures f) {
        WriteReadServerStats s = f.server;
        if (s.executed() != f.echoed || s.replied() != f.echoed || s.noBackup() != 0 || s.failed() != 0
                || s.refused() != 0) {
            throw new IllegalStateException("the bench server's counts disagree with its clients': the clients got "
                    + f.echoed + " replies; the server executed " + s.executed() + ", replied " + s.replied()
                    + " with the backup holding the reply, " + s.noBackup() + " without a backup, failed " + s.failed()
                    + ", refused " + s.refused());
        }
    }

    static byte[] request(char op, int size) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) 'x');
        b[0] = (byte) op;
        return b;
    }

    private static void requireEcho(byte[] request, byte[] reply) {
        if (reply.length != request.length || reply[0] != request[0]) {
            throw new IllegalStateException("the bench server answered " + reply.length + " bytes ("
                    + new String(reply, 0, Math.min(reply.length, 80), StandardCharsets.UTF_8) + ") to a request of "
                    + request.length);
        }
    }

    private void say(String format, Object... args) {
        progress.println("bench writeread: " + String.format(Locale.ROOT, format, args));
        progress.flush();
    }
}
