package org.openpair.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.openpair.emulator.link.CheckpointStream;
import org.openpair.emulator.link.LinkClient;
import org.openpair.emulator.link.LinkServer;

/**
 * What a checkpoint over the CPU link costs between two JVMs, next to the TCP floor
 * between the same two JVMs measured in the same run (the target: a checkpoint round trip at
 * most twice the floor, and at least 100,000 pipelined 100-byte checkpoints a second).
 *
 * <p>The peer is a separate JVM ({@link LinkBenchPeer}, started with this JVM's class path)
 * with a {@link LinkServer} that accepts everything and the floors' {@link EchoPeer}. Cases:
 * <ul>
 *   <li>{@code tcp-rtt-spinning}: the floor of a round trip ({@link Floors}, {@link TcpFloor}):
 *       100 bytes echoed back by a peer waiting in {@code epoll_wait}, the requester busy-polling
 *       its read. {@link CheckpointStream#sendAndAwait} reads the link for its own ack (for about
 *       one expected round trip, before it would park), so that is its thread model; the
 *       pipelined line carries the floor's serial rate (1/p50);</li>
 *   <li>{@code checkpoint-rtt-100B}, {@code checkpoint-rtt-4KiB}: {@link CheckpointStream#sendAndAwait}
 *       until the ack is back;</li>
 *   <li>{@code pipelined-100B}: 100-byte {@link CheckpointStream#send}s with up to {@value #WINDOW}
 *       unacknowledged, checkpoints per second over {@value #PIPELINED_N} sends, three runs, next to
 *       the floor's serial rate (1/p50).</li>
 * </ul>
 * Every case warms up first; the round-trip cases are taken in {@value #ROUNDS} interleaved
 * rounds so that a noisy moment on the shared machine weighs on the baseline as on the rest.
 * The whole run is bounded ({@value #TIME_LIMIT_SECONDS} s); a case cut short says so.
 *
 * <p>Run, after {@code ./guardian --help} has built the checkout:
 * <pre>
 * java -cp emulator/target/classes:bench/target/classes:$(cat emulator/target/classpath.txt) org.openpair.bench.LinkBenchmark [--json]
 * </pre>
 */
public final class LinkBenchmark {
    static final int PAYLOAD_SMALL = 100;
    static final int PAYLOAD_LARGE = 4096;
    static final int ROUNDS = 5;
    static final int SAMPLES_PER_ROUND = 5_000;
    static final int WARMUP_RTT = 20_000;
    static final int WINDOW = 1024;
    static final int PIPELINED_N = 200_000;
    static final int PIPELINED_RUNS = 3;
    static final int WARMUP_PIPELINED = 100_000;
    static final long TIME_LIMIT_SECONDS = 240;
    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(5);
    private static final Pattern PORTS = Pattern.compile("LINK_PORT=(\\d+) ECHO_PORT=(\\d+)");

    private final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIME_LIMIT_SECONDS);
    private final boolean json;

    private LinkBenchmark(boolean json) {
        this.json = json;
    }

    public static void main(String[] args) throws Exception {
        boolean json = Arrays.asList(args).contains("--json");
        new LinkBenchmark(json).run();
    }

    private void run() throws Exception {
        printMachine();
        Process peer = startPeer();
        try {
            int[] ports = readPorts(peer);
            try (TcpFloor raw = TcpFloor.connect(ports[1], TcpFloor.Model.SPINNING);
                 LinkClient link = LinkClient.connect("127.0.0.1", ports[0], LinkBenchPeer.NODE, 0)) {
                CheckpointStream stream = link.open(1, 1, 1);
                byte[] small = new byte[PAYLOAD_SMALL];
                byte[] large = new byte[PAYLOAD_LARGE];
                int n = ROUNDS * SAMPLES_PER_ROUND;
                Samples rawRtt = new Samples(Floors.TCP_SPINNING, n);
                Samples cpSmall = new Samples("checkpoint-rtt-100B", n);
                Samples cpLarge = new Samples("checkpoint-rtt-4KiB", n);
                Samples discard = new Samples("warm-up", WARMUP_RTT);
                rawRoundTrips(raw, WARMUP_RTT, discard);
                checkpointRoundTrips(stream, small, WARMUP_RTT, discard);
                checkpointRoundTrips(stream, large, WARMUP_RTT / 2, discard);
                pipelined(stream, WARMUP_PIPELINED);
                for (int r = 0; r < ROUNDS; r++) {
                    rawRoundTrips(raw, SAMPLES_PER_ROUND, rawRtt);
                    checkpointRoundTrips(stream, small, SAMPLES_PER_ROUND, cpSmall);
                    checkpointRoundTrips(stream, large, SAMPLES_PER_ROUND, cpLarge);
                }
                List<Rate> rates = new ArrayList<>();
                for (int r = 0; r < PIPELINED_RUNS; r++) {
                    rates.add(pipelined(stream, PIPELINED_N));
                }
                report(rawRtt, cpSmall, cpLarge, rates);
            }
        } finally {
            peer.getOutputStream().close();
            if (!peer.waitFor(5, TimeUnit.SECONDS)) {
                peer.destroyForcibly();
            }
        }
    }

    private void rawRoundTrips(TcpFloor raw, int n, Samples into) throws IOException {
        for (int i = 0; i < n && inTime(i); i++) {
            into.add(raw.roundTrip(PAYLOAD_SMALL));
        }
    }

    private void checkpointRoundTrips(CheckpointStream stream, byte[] payload, int n, Samples into) {
        for (int i = 0; i < n && inTime(i); i++) {
            long t0 = System.nanoTime();
            stream.sendAndAwait(payload, ACK_TIMEOUT);
            into.add(System.nanoTime() - t0);
        }
    }

    /** Checkpoints per second for {@code n} pipelined 100-byte sends with at most {@link #WINDOW} unacknowledged. */
    private Rate pipelined(CheckpointStream stream, int n) throws InterruptedException {
        Semaphore window = new Semaphore(WINDOW);
        AtomicLong failures = new AtomicLong();
        ByteBuffer payload = ByteBuffer.allocate(PAYLOAD_SMALL);
        long t0 = System.nanoTime();
        int sent = 0;
        for (; sent < n && inTime(sent); sent++) {
            window.acquire();
            CompletableFuture<Long> acked = stream.send(payload);
            acked.whenComplete((seq, error) -> {
                if (error != null) {
                    failures.incrementAndGet();
                }
                window.release();
            });
        }
        if (!window.tryAcquire(WINDOW, ACK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("pipelined acks did not all come back within " + ACK_TIMEOUT);
        }
        long elapsed = System.nanoTime() - t0;
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " pipelined checkpoints failed");
        }
        return new Rate(sent, sent * 1e9 / elapsed);
    }

    private boolean inTime(int i) {
        return (i & 1023) != 0 || System.nanoTime() < deadline;
    }

    private void report(Samples raw, Samples small, Samples large, List<Rate> rates) {
        Floors.Floor floor = Floors.of(raw.name(), raw, Unit.US, Floors.tcpNote(TcpFloor.Model.SPINNING, PAYLOAD_SMALL));
        Stats r = floor.stats();
        Stats s = small.stats();
        Stats l = large.stats();
        double ratioSmall = (double) s.p50() / r.p50();
        double ratioLarge = (double) l.p50() / r.p50();
        List<Rate> sorted = new ArrayList<>(rates);
        sorted.sort((a, b) -> Double.compare(a.perSecond, b.perSecond));
        Rate median = sorted.get(sorted.size() / 2);
        String runs = rates.stream().map(x -> String.format(Locale.ROOT, "%.0f", x.perSecond)).toList().toString();
        if (json) {
            System.out.println(rttJson(raw.name(), r, null));
            System.out.println(rttJson(small.name(), s, floor));
            System.out.println(rttJson(large.name(), l, floor));
            System.out.printf(Locale.ROOT, "{\"bench\":\"link\",\"case\":\"pipelined-100B\",\"n\":%d,\"window\":%d,"
                    + "\"ops_per_s\":%.0f,\"runs_ops_per_s\":%s,\"baseline\":\"%s\",\"baseline_ops_per_s\":%.0f,"
                    + "\"ratio_ops_per_s\":%.2f}%n", median.sent, WINDOW, median.perSecond, runs, floor.name(),
                    floor.opsPerSecond(), median.perSecond / floor.opsPerSecond());
            return;
        }
        System.out.printf(Locale.ROOT, "%-22s %7s %9s %9s %9s%n", "case", "n", "p50_us", "p99_us", "max_us");
        for (Samples x : List.of(raw, small, large)) {
            Stats f = x.stats();
            System.out.printf(Locale.ROOT, "%-22s %7d %9.1f %9.1f %9.1f%n", x.name(), f.n(), f.p50() / 1e3,
                    f.p99() / 1e3, f.max() / 1e3);
        }
        System.out.printf(Locale.ROOT, "ratio p50 %s / %s: %.2f (target <= 2)%n", small.name(), raw.name(), ratioSmall);
        System.out.printf(Locale.ROOT, "ratio p50 %s / %s: %.2f%n", large.name(), raw.name(), ratioLarge);
        System.out.printf(Locale.ROOT, "pipelined-100B, window %d, %d checkpoints per run: %.0f checkpoints/s "
                + "(median of %d runs: %s; target >= 100000; %s serial rate %.0f/s)%n", WINDOW, median.sent,
                median.perSecond, rates.size(), runs, floor.name(), floor.opsPerSecond());
        if (median.sent < PIPELINED_N || r.n() < (long) ROUNDS * SAMPLES_PER_ROUND) {
            System.out.println("cut short by the " + TIME_LIMIT_SECONDS + " s time limit");
        }
    }

    private static String rttJson(String name, Stats f, Floors.Floor floor) {
        String base = floor == null ? "" : String.format(Locale.ROOT,
                ",\"baseline\":\"%s\",\"baseline_p50_us\":%.1f,\"ratio_p50\":%.2f", floor.name(),
                floor.stats().p50() / 1e3, (double) f.p50() / floor.stats().p50());
        return String.format(Locale.ROOT, "{\"bench\":\"link\",\"case\":\"%s\",\"n\":%d,\"p50_us\":%.1f,"
                + "\"p99_us\":%.1f,\"max_us\":%.1f%s}", name, f.n(), f.p50() / 1e3, f.p99() / 1e3, f.max() / 1e3, base);
    }

    private void printMachine() {
        Machine m = Machine.current();
        System.out.println(json ? m.json().toString() : m.oneLine());
    }

    /** The peer JVM: same java, same class path, the project's ForkJoinPool setting (DEPENDENCIES.md). */
    private static Process startPeer() throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Djava.util.concurrent.ForkJoinPool.common.parallelism=2");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(LinkBenchPeer.class.getName());
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private int[] readPorts(Process peer) throws Exception {
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                return new BufferedReader(new InputStreamReader(peer.getInputStream(), StandardCharsets.UTF_8))
                        .readLine();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, r -> {
            Thread t = new Thread(r, "peer-stdout");
            t.setDaemon(true);
            t.start();
        });
        String text = line.get(30, TimeUnit.SECONDS);
        Matcher m = text == null ? null : PORTS.matcher(text);
        if (m == null || !m.find()) {
            throw new IllegalStateException("peer JVM did not report its ports: " + text);
        }
        // stderr, so that --json output stays one JSON object per line
        System.err.println("peer: separate JVM pid " + peer.pid() + ", link port " + m.group(1) + ", echo port "
                + m.group(2));
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    /** One pipelined run: checkpoints sent and acknowledged, and how many a second. */
    private record Rate(int sent, double perSecond) {
    }
}
