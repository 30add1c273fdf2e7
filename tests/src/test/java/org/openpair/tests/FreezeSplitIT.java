package org.openpair.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openpair.guardian.CpuInfo;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.testing.TestCluster;

/**
 * SIGSTOP of the CPU that holds a pair's primary, again and again, on a node of three CPU JVMs
 * with the product's heartbeat settings (1 s interval, 5 s timeout): each round freezes the
 * primary's CPU, waits for the backup's takeover, thaws it, and waits until the node is whole
 * again (every CPU listed, its partitions safe, the pair with a primary and a backup holding its
 * checkpoints). A freeze before the partitions are safe again would lose data to a double fault
 * of the test's own making.
 *
 * <p>What must never happen is a second fault the freeze did not make: one healthy CPU declaring
 * another healthy one down (a "second split"), or the pair losing its last member. Each round
 * reads the healthy CPUs' output for a CPU other than the frozen one leaving the node; while a
 * CPU is frozen and until the node is whole, it takes a thread dump of each healthy CPU every
 * second, and keeps those of a round that went wrong under {@code target/freeze-dumps/}.
 *
 * <p>{@code verify} runs a few rounds; {@code -Dopenpair.freezes=200} runs that many (within
 * {@code -Dopenpair.freezes.minutes}, default two minutes a round) and prints the figures;
 * {@code -Dopenpair.freezes.target=master} freezes the engine's master each round instead.
 * Each CPU's collections and safepoints are logged beside its output ({@code cpuN-gc-PID.log}), so
 * a healthy CPU's silence can be told from a pause of its whole JVM.
 */
class FreezeSplitIT {
    private static final int FREEZES = Integer.getInteger("openpair.freezes", 3);
    private static final Duration DEADLINE = Duration.ofMinutes(Long.getLong("openpair.freezes.minutes",
            2L * FREEZES));
    /**
     * {@code -Dopenpair.freezes.target=master} freezes the engine's master (its oldest member)
     * instead of the primary's CPU: a new master must be agreed while the old one is silent.
     */
    private static final boolean MASTER = "master".equals(System.getProperty("openpair.freezes.target"));
    private static final int CPUS = 3;
    /** The pair's name; a round that loses the pair starts the next one under a new name. */
    private static ProcessName ctr = ProcessName.of("$CTR");
    private static int pairsMade;
    private static final String COUNTER_SERVER = "org.openpair.examples.CounterServer";
    /** Covers a heartbeat timeout and a merge many times over: no claim about speed. */
    private static final Duration WHOLE_BOUND = Duration.ofSeconds(120);
    private static final Duration TAKEOVER_BOUND = Duration.ofSeconds(60);
    private static final long DUMP_PERIOD_MILLIS = 1000;
    private static final Pattern HELD = Pattern.compile("^counter (\\d+) held by backup$", Pattern.MULTILINE);
    /** CpuLossSweeper's line when a member carrying a CPU number leaves this CPU's view. */
    private static final Pattern LEFT = Pattern.compile("CPU (\\d+): CPU (\\d+) left the node");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("HHmmss.SSS");

    private static TestCluster cluster;
    private static Guardian guardian;
    private static final ExecutorService DUMPER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "freeze-dumper");
        t.setDaemon(true);
        return t;
    });

    @BeforeAll
    static void startNode() {
        cluster = TestCluster.builder().cpus(CPUS).start();
        guardian = cluster.guardian();
    }

    @AfterAll
    static void stopNode() {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            DUMPER.shutdownNow();
        }
    }

    /** What one round saw. */
    private record Round(int number, int frozen, List<String> splits, boolean whole, boolean pairLost, String why) {
        boolean bad() {
            return !splits.isEmpty() || !whole || pairLost;
        }
    }

    @Test
    void sigstopOfPrimaryCpu_repeated_noSecondSplit_noPairLost() throws Exception {
        Path dumps = dumpRoot();
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        List<Round> rounds = new ArrayList<>();
        spawnPair();
        try (ThreadDumps threadDumps = new ThreadDumps()) {
            for (int r = 1; r <= FREEZES && System.nanoTime() < deadline; r++) {
                Round round = freezeOnce(r, threadDumps, dumps.resolve("round-" + r));
                rounds.add(round);
                System.out.printf("FREEZE %d: CPU %d frozen; splits %s; whole %s; pair lost %s%s%n", r, round.frozen,
                        round.splits, round.whole, round.pairLost, round.why.isEmpty() ? "" : " (" + round.why + ")");
                if (!round.bad()) {
                    deleteTree(dumps.resolve("round-" + r));
                }
                if (!round.whole || round.pairLost) {
                    recover();
                }
            }
        }
        long splits = rounds.stream().filter(x -> !x.splits.isEmpty()).count();
        long lost = rounds.stream().filter(Round::pairLost).count();
        long broken = rounds.stream().filter(x -> !x.whole).count();
        System.out.printf("FREEZES: %d run, %d with a second split, %d with the pair lost, %d not whole again "
                + "(dumps of bad rounds under %s)%n", rounds.size(), splits, lost, broken, dumps);
        assertThat(rounds).as("freeze rounds run").isNotEmpty();
        assertThat(rounds.stream().filter(Round::bad).toList()).as("rounds with a second fault (dumps under %s)", dumps)
                .isEmpty();
    }

    /**
     * One freeze of the pair's primary CPU: SIGSTOP, the backup's takeover, SIGCONT, and the wait
     * for the node to be whole; thread dumps of the healthy CPUs all along.
     */
    private Round freezeOnce(int number, ThreadDumps threadDumps, Path dir) {
        awaitPairWithBackup();
        PairInfo before = guardian.processGetPairInfo(ctr);
        int frozen = MASTER ? cluster.masterCpu() : before.primary().cpu();
        List<Integer> healthy = Stream.iterate(0, c -> c + 1).limit(CPUS).filter(c -> c != frozen).toList();
        long[] offsets = new long[CPUS];
        for (int cpu : healthy) {
            offsets[cpu] = size(cluster.cpuOutput(cpu));
        }
        AtomicBoolean dumping = new AtomicBoolean(true);
        Future<?> dumper = DUMPER.submit(() -> dumpWhile(dumping, healthy, threadDumps, dir));
        String why = "";
        boolean whole = true;
        cluster.sigstop(frozen);
        try {
            try {
                if (before.primary().cpu() == frozen) {
                    TestCluster.awaitCondition("the takeover of the pair from frozen CPU " + frozen, TAKEOVER_BOUND, () -> {
                        ProcessHandle p = guardian.processGetPairInfo(ctr).primary();
                        return p != null && p.cpu() != frozen;
                    });
                } else {
                    TestCluster.awaitCondition("frozen CPU " + frozen + " declared down", TAKEOVER_BOUND,
                            () -> guardian.cpus().stream().noneMatch(c -> c.cpu() == frozen));
                }
            } catch (AssertionError e) {
                why = "no takeover: " + firstLine(e);
            }
        } finally {
            cluster.sigcont(frozen);
        }
        try {
            awaitWhole();
        } catch (AssertionError e) {
            whole = false;
            why = (why.isEmpty() ? "" : why + "; ") + "not whole: " + firstLine(e);
        }
        dumping.set(false);
        try {
            dumper.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            dumper.cancel(true);
        }
        boolean pairLost = false;
        try {
            pairLost = guardian.processGetPairInfo(ctr).primary() == null;
        } catch (RuntimeException e) {
            why = (why.isEmpty() ? "" : why + "; ") + "cannot read the pair: " + e;
        }
        List<String> splits = new ArrayList<>();
        for (int cpu : healthy) {
            Matcher m = LEFT.matcher(readFrom(cluster.cpuOutput(cpu), offsets[cpu]));
            while (m.find()) {
                if (Integer.parseInt(m.group(2)) != frozen) {
                    splits.add(m.group());
                }
            }
        }
        return new Round(number, frozen, splits, whole, pairLost, why);
    }

    private static void dumpWhile(AtomicBoolean dumping, List<Integer> healthy, ThreadDumps threadDumps, Path dir) {
        for (int n = 0; n < 600 && dumping.get(); n++) {
            long start = System.nanoTime();
            String stamp = LocalTime.now().format(STAMP);
            for (int cpu : healthy) {
                if (cluster.isRunning(cpu)) {
                    threadDumps.dump(cluster.pid(cpu), dir.resolve("cpu" + cpu + "-" + stamp + ".txt"));
                }
            }
            long left = DUMP_PERIOD_MILLIS - (System.nanoTime() - start) / 1_000_000;
            if (left > 0) {
                try {
                    Thread.sleep(left);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** All CPUs listed and members again, and the pair with a primary and a backup that holds its checkpoints. */
    private void awaitWhole() {
        TestCluster.awaitCondition("all CPUs listed as up and members of the node", WHOLE_BOUND,
                () -> guardian.cpus().stream().map(CpuInfo::cpu).distinct().count() == CPUS
                        && cluster.memberCount() == CPUS);
        cluster.awaitClusterSafe();
        awaitPairWithBackup();
    }

    private void awaitPairWithBackup() {
        TestCluster.awaitCondition("the pair with a primary and a backup", WHOLE_BOUND, () -> {
            PairInfo p = guardian.processGetPairInfo(ctr);
            return p.primary() != null && p.backup() != null && guardian.process(p.backup()).isPresent();
        });
        Path log = logOf(guardian.processGetPairInfo(ctr).primary());
        int held = count(HELD, read(log));
        TestCluster.awaitCondition("the pair's checkpoints to be held by its backup", WHOLE_BOUND,
                () -> count(HELD, read(log)) >= held + 3);
    }

    /** After a round that left the node broken: every CPU running and listed, and the pair there. */
    private void recover() {
        for (int cpu = 0; cpu < CPUS; cpu++) {
            final int c = cpu;
            boolean listed;
            try {
                listed = guardian.cpus().stream().anyMatch(i -> i.cpu() == c);
            } catch (RuntimeException e) {
                listed = false;
            }
            if (cluster.isRunning(cpu) && !listed) {
                cluster.kill9(cpu);
            }
        }
        cluster.restartStopped();
        cluster.awaitClusterSafe();
        if (guardian.processGetPairInfo(ctr).primary() == null) {
            spawnPair();
        }
    }

    private static void spawnPair() {
        ctr = ProcessName.of(pairsMade == 0 ? "$CTR" : "$CTR" + pairsMade);
        pairsMade++;
        guardian.processSpawn(SpawnRequest.of(Program.hosted(COUNTER_SERVER)).name(ctr.toString()).cpu(1)
                .args("any", "20").build());
    }

    private static Path logOf(ProcessHandle h) {
        return Path.of(guardian.process(h).map(ProcessInfo::logFile)
                .orElseThrow(() -> new IllegalStateException("no process " + h)));
    }

    private static Path dumpRoot() {
        Path target = Path.of("target");
        return (Files.isDirectory(target) ? target : cluster.logDir()).resolve("freeze-dumps")
                .resolve(cluster.config().nodeName());
    }

    private static int count(Pattern p, String text) {
        int n = 0;
        Matcher m = p.matcher(text);
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static String read(Path file) {
        return readFrom(file, 0);
    }

    private static String readFrom(Path file, long offset) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long length = f.length();
            if (offset >= length) {
                return "";
            }
            byte[] bytes = new byte[(int) Math.min(Integer.MAX_VALUE - 8, length - offset)];
            f.seek(offset);
            f.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            return "";
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e, e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // Only disk space is at stake.
        }
    }
}
