package org.openpair.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.client.config.RoutingMode;
import com.hazelcast.core.HazelcastInstance;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openpair.emulator.cluster.Engine;
import org.openpair.emulator.names.Epochs;
import org.openpair.emulator.cluster.EngineConfigs;
import org.openpair.emulator.cpu.NodeEngineSettings;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.messages.RequesterLinks;
import org.openpair.emulator.procedures.NodeGuardian;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.StopScope;
import org.openpair.testing.ProcStat;
import org.openpair.testing.TestCluster;

/**
 * The checkpointing counter pair ({@code org.openpair.examples.CounterServer}, primary on CPU 1,
 * backup on CPU 2) across real failures of the primary: its CPU's JVM killed with
 * {@code kill -9}, frozen with SIGSTOP and thawed, and the primary stopped by the operator. The
 * backup must take over with the last checkpoint the primary was told its backup held, under a
 * higher epoch, and the old primary must never act as one again; once the thawed CPU has merged
 * back, the node's tables must not record a death of a process that lives. (The operator's stop
 * of the whole pair is {@link PairStopIT}'s.)
 *
 * <p>The counter's log lines are the evidence: {@code counter N held by backup} (the checkpoint
 * of N was acknowledged), {@code counter N (no backup)}, {@code took over at counter M (CAUSE,
 * epoch E)}, {@code backup created on CPU C}, and OpenPair's own {@code openpair: fenced: ...}.
 *
 * <p>One node of three CPU JVMs for the class (so that a CPU that is cut off is below the
 * quorum of two); each test restarts whatever an earlier one killed and stops the pair it made.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class PairCrashIT {
    private static final Duration BOUND = Duration.ofSeconds(30);
    /**
     * The product's default. It was 10 s while the two CPUs left after a freeze could stop
     * hearing each other and split (a second fault on top of the freeze); the cause, an engine IO
     * thread looping on its unanswered handshake with the frozen CPU, is cut by
     * {@code StalledHandshakes} (docs/design.md).
     */
    private static final int HEARTBEAT_TIMEOUT_SECONDS = 5;
    /** Covers the heartbeat timeout of a frozen CPU many times over: no claim about speed. */
    private static final Duration HUNG_BOUND = Duration.ofSeconds(60);
    private static final ProcessName CTR = ProcessName.of("$CTR");
    private static final String COUNTER_SERVER = "org.openpair.examples.CounterServer";
    private static final int CPUS = 3;
    /** How many acknowledged checkpoints the primary logs before it is made to fail. */
    private static final int HELD_BEFORE_FAILURE = 20;

    private static final Pattern HELD = Pattern.compile("^counter (\\d+) held by backup$", Pattern.MULTILINE);
    private static final Pattern NO_BACKUP = Pattern.compile("^counter (\\d+) \\(no backup\\)$", Pattern.MULTILINE);
    private static final Pattern ANY_COUNT = Pattern.compile("^counter (\\d+) ", Pattern.MULTILINE);
    private static final Pattern TOOK_OVER = Pattern.compile("^took over at counter (\\d+) \\((\\w+), epoch (\\d+)\\)$",
            Pattern.MULTILINE);
    private static final String FENCED = "openpair: fenced:";

    /**
     * Runs the operator's calls that wait on a CPU (spawn, stop), so that a call that never
     * returns fails the test after {@link #BOUND} instead of hanging it.
     */
    private static final ExecutorService CALLS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "paircrashit-call");
        t.setDaemon(true);
        return t;
    });

    private static TestCluster cluster;
    private static Guardian guardian;

    /** The process logs a test looked at, shown when one of its waits fails. */
    private final Set<Path> logsSeen = new LinkedHashSet<>();

    @BeforeAll
    static void startNode() {
        cluster = TestCluster.builder().cpus(CPUS).heartbeatTimeoutSeconds(HEARTBEAT_TIMEOUT_SECONDS).start();
        guardian = cluster.guardian();
    }

    @AfterAll
    static void stopNode() {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            CALLS.shutdownNow();
        }
    }

    @BeforeEach
    void allCpusUp_andNoCounterPair() {
        cluster.restartStopped();
        stopCounterPair();
    }

    @AfterEach
    void stopTheCounterPair() {
        stopCounterPair();
    }

    @Test
    void kill9OfPrimaryCpu_backupIsPrimaryWithLastAcknowledgedCheckpoint_higherEpoch_nameResolvesEverywhere() {
        Pair pair = spawnCounterPairAndAwaitCheckpoints();

        cluster.kill9(1);

        await("the backup " + pair.backup.cpuPin() + " to be $CTR's primary after the kill of CPU 1", BOUND,
                () -> pair.backup.equals(guardian.processGetPairInfo(CTR).primary()));
        PairInfo after = guardian.processGetPairInfo(CTR);
        assertThat(after.epoch()).as("epoch after the takeover (before: %d)", pair.epoch).isGreaterThan(pair.epoch);

        // CPU 1's JVM is dead: the old primary's log is complete.
        long lastHeld = last(HELD, read(pair.primaryLog));
        Path newLog = logOf(pair.backup);
        await("the new primary to log its takeover", BOUND, () -> TOOK_OVER.matcher(read(newLog)).find());
        Matcher took = TOOK_OVER.matcher(read(newLog));
        assertThat(took.find()).isTrue();
        long tookOverAt = Long.parseLong(took.group(1));
        assertThat(took.group(2)).as("takeover cause").isEqualTo("CPU_FAILED");
        assertThat(Long.parseLong(took.group(3))).as("epoch in the takeover line").isGreaterThan(pair.epoch);
        assertTakeoverCounterWithinBounds(tookOverAt, lastHeld);

        await("the new primary to go on counting past " + tookOverAt, BOUND,
                () -> last(ANY_COUNT, read(newLog)) >= tookOverAt + 5);

        // The name resolves to the new primary whichever surviving CPU the lookup goes through.
        for (int cpu : new int[] {0, 2}) {
            Lookup seen = lookupThrough(cpu);
            assertThat(seen.primary).as("$CTR's primary as seen through CPU %d", cpu).isEqualTo(pair.backup);
            assertThat(seen.info).as("$CTR's process as looked up through CPU %d", cpu).map(ProcessInfo::handle)
                    .contains(pair.backup);
            assertThat(seen.epoch).as("$CTR's epoch as seen through CPU %d", cpu).isGreaterThan(pair.epoch);
        }

        // The new primary makes a new backup on the one CPU left for it.
        await("a new backup of $CTR on CPU 0", BOUND, () -> {
            ProcessHandle b = guardian.processGetPairInfo(CTR).backup();
            return b != null && b.cpu() == 0 && guardian.process(b).isPresent();
        });
        assertThat(guardian.processGetPairInfo(CTR).primary()).isEqualTo(pair.backup);
        await("the new primary to log its new backup", BOUND, () -> read(newLog).contains("backup created on CPU 0"));
        await("the new primary's checkpoints to be held by its new backup", BOUND,
                () -> last(HELD, read(newLog)) > tookOverAt);
    }

    @Test
    void sigstopOfPrimaryCpu_oldPrimaryNeverActsAsPrimaryAfterResume_andStopsItself() {
        Pair pair = spawnCounterPairAndAwaitCheckpoints();

        cluster.sigstop(1);
        try {
            await("the backup " + pair.backup.cpuPin() + " to be $CTR's primary while CPU 1 is frozen", HUNG_BOUND,
                    () -> pair.backup.equals(guardian.processGetPairInfo(CTR).primary()));
            // CPU 1 is frozen: its log cannot change until SIGCONT.
            String atStop = read(pair.primaryLog);
            List<Long> heldAtStop = all(HELD, atStop);
            int linesAtStop = (int) atStop.lines().count();
            long lastHeld = heldAtStop.isEmpty() ? 0 : heldAtStop.get(heldAtStop.size() - 1);

            Path newLog = logOf(pair.backup);
            await("the new primary to log its takeover", BOUND, () -> TOOK_OVER.matcher(read(newLog)).find());
            Matcher took = TOOK_OVER.matcher(read(newLog));
            assertThat(took.find()).isTrue();
            long tookOverAt = Long.parseLong(took.group(1));
            assertThat(took.group(2)).as("takeover cause").isEqualTo("CPU_FAILED");
            assertThat(Long.parseLong(took.group(3))).as("epoch in the takeover line").isGreaterThan(pair.epoch);
            assertThat(guardian.processGetPairInfo(CTR).epoch()).isGreaterThan(pair.epoch);
            assertTakeoverCounterWithinBounds(tookOverAt, lastHeld);

            cluster.sigcont(1);

            await("the old primary to log that it was fenced after SIGCONT", HUNG_BOUND,
                    () -> read(pair.primaryLog).contains(FENCED));
            // Once fenced it logs nothing more as a primary: a few seconds' watch that its log stays as checked.
            staysTrue("the old primary's log gets no new counter line", Duration.ofSeconds(3),
                    () -> oldPrimaryAfterResumeIsClean(pair.primaryLog, heldAtStop, linesAtStop, tookOverAt));

            // The thawed CPU finds itself cut off, and Hazelcast merges it back into the node (its
            // side's copies of the tables with it). Only then is "one primary node-wide" worth
            // checking: wait until the operator sees CPU 1 again.
            cluster.awaitCpusUp(1);
            long countAfterMerge = last(ANY_COUNT, read(newLog));
            await("the new primary to go on counting after CPU 1 merged back", BOUND,
                    () -> last(ANY_COUNT, read(newLog)) >= countAfterMerge + 5);

            // Exactly one process answers to $CTR: the new primary.
            PairInfo now = guardian.processGetPairInfo(CTR);
            assertThat(now.primary()).as("$CTR's primary after the old one resumed").isEqualTo(pair.backup);
            assertThat(guardian.lookup(CTR)).map(ProcessInfo::handle).contains(pair.backup);
            await("the old primary " + pair.primary.cpuPin() + " to be gone from the tables", BOUND,
                    () -> guardian.process(pair.primary).isEmpty());
            List<ProcessHandle> named = guardian.processes().stream().filter(p -> CTR.equals(p.name()))
                    .map(ProcessInfo::handle).toList();
            assertThat(named).as("processes named $CTR").contains(pair.backup).doesNotContain(pair.primary)
                    .allMatch(h -> h.equals(now.primary()) || h.equals(now.backup()));
            assertThat(last(ANY_COUNT, read(newLog))).as("the new primary's counter")
                    .isGreaterThanOrEqualTo(tookOverAt);
        } finally {
            // A thawed CPU that was declared dead must not stay in this node: end it.
            if (cluster.isRunning(1)) {
                cluster.kill9(1);
            }
        }
    }

    /**
     * The same counter as Java programs that are OS processes of their own, attached to their
     * CPUs: the primary a child of CPU 1's JVM, the backup a child of CPU 2's. When CPU 1's JVM
     * is killed, its child must die with it (it may not outlive its CPU) and the backup, a
     * process in another JVM on another CPU, takes over with the last acknowledged checkpoint.
     */
    @Test
    void kill9OfPrimaryCpu_attachedOsProcessPair_childDiesWithItsCpu_backupTakesOverWithLastAcknowledged() {
        ProcessHandle primary = bounded("spawn of $CTR as OS processes", () -> guardian.processSpawn(
                SpawnRequest.of(Program.java(COUNTER_SERVER)).name("$CTR").cpu(1).args("2", "20").build()));
        Path primaryLog = logOf(primary);
        await("$CTR to have a backup", BOUND, () -> guardian.processGetPairInfo(CTR).backup() != null);
        PairInfo before = guardian.processGetPairInfo(CTR);
        assertThat(before.backup().cpu()).as("CPU of $CTR's backup").isEqualTo(2);
        await(HELD_BEFORE_FAILURE + " checkpoints held by $CTR's backup", BOUND,
                () -> all(HELD, read(primaryLog)).size() >= HELD_BEFORE_FAILURE);
        long childPid = guardian.process(primary).orElseThrow().pid();
        ProcStat child = ProcStat.of(childPid).orElseThrow(() -> new AssertionError("no process " + childPid));
        assertThat(child.ppid()).as("parent of the primary's JVM (pid %d)", childPid).isEqualTo(cluster.pid(1));
        Path backupLog = logOf(before.backup());

        cluster.kill9(1);

        await("the backup " + before.backup().cpuPin() + " to be $CTR's primary after the kill of CPU 1", BOUND,
                () -> before.backup().equals(guardian.processGetPairInfo(CTR).primary()));
        assertThat(guardian.processGetPairInfo(CTR).epoch()).isGreaterThan(before.epoch());
        await("the primary's JVM (pid " + childPid + ") to die with CPU 1's", BOUND, () -> !child.isStillRunning());
        long lastHeld = last(HELD, read(primaryLog));
        await("the new primary to log its takeover", BOUND, () -> TOOK_OVER.matcher(read(backupLog)).find());
        Matcher took = TOOK_OVER.matcher(read(backupLog));
        assertThat(took.find()).isTrue();
        assertThat(took.group(2)).as("takeover cause").isEqualTo("CPU_FAILED");
        long tookOverAt = Long.parseLong(took.group(1));
        assertTakeoverCounterWithinBounds(tookOverAt, lastHeld);
        await("the new primary to go on counting past " + tookOverAt, BOUND,
                () -> last(ANY_COUNT, read(backupLog)) >= tookOverAt + 5);
    }

    /**
     * A primary with nothing in flight when its CPU is frozen has no checkpoint of its own for the
     * new primary to refuse: the thawed CPU must see by itself that it could not run for longer
     * than the others wait for its heartbeats, and stop its primaries at once rather than act as
     * one while its view of the node is stale.
     */
    @Test
    void sigstopOfIdlePrimaryCpu_thawedCpuFencesItsPrimaryByItself() {
        // An increment an hour: after the first checkpoint the primary sends nothing more.
        ProcessHandle primary = bounded("spawn of an idle $CTR", () -> guardian.processSpawn(
                SpawnRequest.of(Program.hosted(COUNTER_SERVER)).name("$CTR").cpu(1).args("2", "3600000").build()));
        Path primaryLog = logOf(primary);
        await("$CTR's first checkpoint held by its backup", BOUND, () -> !all(HELD, read(primaryLog)).isEmpty());
        ProcessHandle backup = guardian.processGetPairInfo(CTR).backup();

        cluster.sigstop(1);
        try {
            await("the backup " + backup.cpuPin() + " to be $CTR's primary while CPU 1 is frozen", HUNG_BOUND,
                    () -> backup.equals(guardian.processGetPairInfo(CTR).primary()));
            cluster.sigcont(1);
            await("the thawed primary to log that it fenced itself", HUNG_BOUND,
                    () -> read(primaryLog).contains(FENCED));
            // On a lease (the default) the thawed CPU finds its lease over; without one, its own pause.
            assertThat(read(primaryLog)).as("why the thawed primary was fenced")
                    .contains(cluster.config().lease().isZero() ? "was suspended for" : "lease ended");
            assertThat(all(NO_BACKUP, read(primaryLog))).as("counting on alone after the thaw").isEmpty();
        } finally {
            if (cluster.isRunning(1)) {
                cluster.kill9(1);
            }
        }
    }

    /**
     * The same freeze and thaw, then the node's record of deaths once the thawed CPU has merged
     * back. While cut off, that CPU saw every other CPU leave and, on its side of the split,
     * retired their processes (the new primary among them) with completion code -4; none of
     * that may reach the node's tables, where those processes live on.
     */
    @Test
    void sigstopOfPrimaryCpu_afterTheThawedCpuMergesBack_noLiveProcessHasARecordedDeath() {
        Pair pair = spawnCounterPairAndAwaitCheckpoints();

        cluster.sigstop(1);
        try {
            await("the backup " + pair.backup.cpuPin() + " to be $CTR's primary while CPU 1 is frozen", HUNG_BOUND,
                    () -> pair.backup.equals(guardian.processGetPairInfo(CTR).primary()));
            Path newLog = logOf(pair.backup);
            cluster.sigcont(1);
            await("the old primary to log that it was fenced after SIGCONT", HUNG_BOUND,
                    () -> read(pair.primaryLog).contains(FENCED));
            cluster.awaitCpusUp(1);
            long countAfterMerge = last(ANY_COUNT, read(newLog));
            await("the new primary to go on counting after CPU 1 merged back", BOUND,
                    () -> last(ANY_COUNT, read(newLog)) >= countAfterMerge + 5);

            assertThat(guardian.process(pair.backup)).as("the new primary in the process table").isPresent();
            assertThat(guardian.processGetPairInfo(CTR).primary()).isEqualTo(pair.backup);
            for (ProcessInfo live : guardian.processes()) {
                assertThat(guardian.termination(live.handle()))
                        .as("a death recorded for %s, which is alive (the new $CTR primary is %s)", live.descriptor(),
                                pair.backup.cpuPin())
                        .isEmpty();
            }
        } finally {
            if (cluster.isRunning(1)) {
                cluster.kill9(1);
            }
        }
    }

    @Test
    void operatorStopOfPrimary_backupTakesOverWithLastAcknowledgedCheckpoint_causePrimaryStopped() {
        Pair pair = spawnCounterPairAndAwaitCheckpoints();

        boundedRun("stop of the primary " + pair.primary.cpuPin(),
                () -> guardian.processStop(pair.primary, StopScope.TARGET));

        await("the backup " + pair.backup.cpuPin() + " to be $CTR's primary after the stop", BOUND,
                () -> pair.backup.equals(guardian.processGetPairInfo(CTR).primary()));
        assertThat(guardian.process(pair.primary)).as("the stopped primary").isEmpty();
        Path newLog = logOf(pair.backup);
        await("the new primary to log its takeover", BOUND, () -> TOOK_OVER.matcher(read(newLog)).find());
        // The stopped primary has ended: its log is complete.
        long lastHeld = last(HELD, read(pair.primaryLog));
        Matcher took = TOOK_OVER.matcher(read(newLog));
        assertThat(took.find()).isTrue();
        long tookOverAt = Long.parseLong(took.group(1));
        assertThat(took.group(2)).as("takeover cause").isEqualTo("PRIMARY_STOPPED");
        // One takeover, decided by the stopped primary's CPU, which retires it.
        long promoted = Epochs.next(pair.epoch, pair.primary.cpu());
        assertThat(Long.parseLong(took.group(3))).as("epoch in the takeover line: one takeover after %s, made by CPU %d",
                Epochs.format(pair.epoch), pair.primary.cpu()).isEqualTo(promoted);
        assertThat(guardian.processGetPairInfo(CTR).epoch()).isEqualTo(promoted);
        assertTakeoverCounterWithinBounds(tookOverAt, lastHeld);
        await("the new primary to go on counting past " + tookOverAt, BOUND,
                () -> last(ANY_COUNT, read(newLog)) >= tookOverAt + 5);
    }

    // ---------------------------------------------------------------------------------------

    /** The pair as it stood before the failure. */
    private record Pair(ProcessHandle primary, ProcessHandle backup, long epoch, Path primaryLog) {
    }

    /**
     * Spawns $CTR (primary CPU 1, backup CPU 2, a step every 20 ms), waits for the pair and for
     * {@link #HELD_BEFORE_FAILURE} acknowledged checkpoints in the primary's log.
     */
    private Pair spawnCounterPairAndAwaitCheckpoints() {
        ProcessHandle primary = bounded("spawn of $CTR", () -> guardian.processSpawn(
                SpawnRequest.of(Program.hosted(COUNTER_SERVER)).name("$CTR").cpu(1).args("2", "20").build()));
        assertThat(primary.cpu()).isEqualTo(1);
        Path primaryLog = logOf(primary);
        await("$CTR to have a backup", BOUND, () -> guardian.processGetPairInfo(CTR).backup() != null);
        PairInfo before = guardian.processGetPairInfo(CTR);
        assertThat(before.primary()).isEqualTo(primary);
        assertThat(before.backup().cpu()).as("CPU of $CTR's backup").isEqualTo(2);
        await(HELD_BEFORE_FAILURE + " checkpoints held by $CTR's backup", BOUND,
                () -> all(HELD, read(primaryLog)).size() >= HELD_BEFORE_FAILURE);
        PairInfo stillBefore = guardian.processGetPairInfo(CTR);
        assertThat(stillBefore.primary()).isEqualTo(primary);
        assertThat(stillBefore.backup()).isEqualTo(before.backup());
        return new Pair(primary, before.backup(), stillBefore.epoch(), primaryLog);
    }

    /**
     * The backup holds every checkpoint the primary was told it held, so it takes over at least
     * at the last "held by backup" value N. It may hold one more: the primary's last checkpoint
     * (N + 1) can have reached the backup, and been applied, while the acknowledgement, or the
     * line the primary logs on it, was cut off by the failure. No more than that: the primary
     * sends one checkpoint at a time and waits for its acknowledgement before the next.
     */
    private static void assertTakeoverCounterWithinBounds(long tookOverAt, long lastHeld) {
        assertThat(tookOverAt).as("counter at takeover vs. the last value the old primary logged as held (%d)",
                        lastHeld)
                .isBetween(lastHeld, lastHeld + 1);
    }

    /**
     * What the old primary may have logged since it was frozen: no "(no backup)" line (it would
     * be counting on alone, as a second primary) and no "held by backup" line for a value the new
     * primary did not take over with. One "held by backup" line for a value at most the takeover
     * counter is allowed, and at most one: an acknowledgement the backup sent before it took over
     * may have sat unread in the frozen JVM's socket and been read after SIGCONT; that checkpoint
     * was held, the new primary has it, and the old primary sends nothing after it but a
     * checkpoint that is refused for its epoch.
     */
    private static boolean oldPrimaryAfterResumeIsClean(Path log, List<Long> heldAtStop, int linesAtStop,
                                                        long tookOverAt) {
        String text = read(log);
        List<Long> held = all(HELD, text);
        if (!held.subList(0, Math.min(heldAtStop.size(), held.size())).equals(heldAtStop)) {
            return false;
        }
        List<Long> newHeld = held.subList(heldAtStop.size(), held.size());
        if (newHeld.size() > 1 || newHeld.stream().anyMatch(n -> n > tookOverAt)) {
            return false;
        }
        return all(NO_BACKUP, tailFrom(text, linesAtStop)).isEmpty();
    }

    private record Lookup(ProcessHandle primary, long epoch, Optional<ProcessInfo> info) {
    }

    /**
     * Looks $CTR up through CPU {@code cpu} alone: a client whose member list is only that CPU's
     * address and which routes every call through that one member.
     */
    private static Lookup lookupThrough(int cpu) {
        String address = cluster.config().cpuAddresses().get(cpu);
        NodeConfig only = cluster.config().toBuilder().members(List.of(address)).build();
        ClientConfig config = EngineConfigs.client(NodeEngineSettings.of(only), 10_000);
        config.getNetworkConfig().getClusterRoutingConfig().setRoutingMode(RoutingMode.SINGLE_MEMBER);
        HazelcastInstance client = HazelcastClient.newHazelcastClient(config);
        try {
            NodeTables tables = new NodeTables(new Engine(client));
            Guardian through = new NodeGuardian(tables, only, null, null, new RequesterLinks(tables, only.nodeName()));
            PairInfo pair = through.processGetPairInfo(CTR);
            return new Lookup(pair.primary(), pair.epoch(), through.lookup(CTR));
        } finally {
            client.shutdown();
        }
    }

    /** Stops $CTR, both members, if it exists, and waits until its name is free. */
    private void stopCounterPair() {
        for (int attempt = 0; attempt < 5; attempt++) {
            PairInfo p;
            try {
                p = guardian.processGetPairInfo(CTR);
            } catch (RuntimeException e) {
                continue;
            }
            if (p.primary() == null) {
                break;
            }
            ProcessHandle primary = p.primary();
            try {
                boundedRun("stop of the pair " + primary.cpuPin() + " (cleanup)",
                        () -> guardian.processStop(primary, StopScope.PAIR));
            } catch (GuardianException | IllegalStateException e) {
                // Gone meanwhile, or its CPU went down: look again.
            }
        }
        await("no process named $CTR", BOUND, () -> guardian.processGetPairInfo(CTR).primary() == null
                && guardian.processes().stream().noneMatch(p -> CTR.equals(p.name())));
    }

    private Path logOf(ProcessHandle h) {
        Path log = Path.of(guardian.process(h).orElseThrow(() -> new AssertionError("no process " + h)).logFile());
        logsSeen.add(log);
        return log;
    }

    /** The process log's text; empty while it does not exist. */
    private static String read(Path log) {
        try {
            return new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + log + ": " + e, e);
        }
    }

    private static List<Long> all(Pattern p, String text) {
        List<Long> values = new ArrayList<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            values.add(Long.parseLong(m.group(1)));
        }
        return values;
    }

    /** The number of the last match, or 0 without one. */
    private static long last(Pattern p, String text) {
        List<Long> values = all(p, text);
        return values.isEmpty() ? 0 : values.get(values.size() - 1);
    }

    private static String tailFrom(String text, int fromLine) {
        List<String> lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.min(fromLine, lines.size()), lines.size()));
    }

    /** Runs an operator call that must return within {@link #BOUND}; fails the test otherwise. */
    private <T> T bounded(String what, Supplier<T> call) {
        Future<T> result = CALLS.submit(call::get);
        try {
            return result.get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            result.cancel(true);
            throw withDiagnostics(new AssertionError(what + " did not return within " + BOUND.toMillis() + " ms"));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(what + " failed: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted during " + what, e);
        }
    }

    private void boundedRun(String what, Runnable call) {
        bounded(what, () -> {
            call.run();
            return null;
        });
    }

    /** {@link TestCluster#awaitCondition}, with the process logs and CPU outputs on failure. */
    private void await(String what, Duration bound, BooleanSupplier condition) {
        try {
            TestCluster.awaitCondition(what, bound, condition);
        } catch (AssertionError e) {
            throw withDiagnostics(e);
        }
    }

    /** {@link TestCluster#assertStaysTrue}, with the $CTR processes, logs and CPU outputs on failure. */
    private void staysTrue(String what, Duration window, BooleanSupplier condition) {
        try {
            TestCluster.assertStaysTrue(what, window, condition);
        } catch (AssertionError e) {
            throw withDiagnostics(e);
        }
    }

    private AssertionError withDiagnostics(AssertionError e) {
        StringBuilder s = new StringBuilder(e.getMessage());
        try {
            s.append("\n$CTR now: ").append(guardian.processGetPairInfo(CTR));
            for (ProcessInfo p : guardian.processes()) {
                if (CTR.equals(p.name())) {
                    s.append("\nprocess named $CTR: ").append(p.handle().cpuPin()).append(" log ").append(p.logFile());
                    logsSeen.add(Path.of(p.logFile()));
                }
            }
        } catch (RuntimeException failed) {
            s.append("\n(cannot list $CTR: ").append(failed).append(')');
        }
        for (Path log : logsSeen) {
            List<String> lines = read(log).lines().toList();
            s.append("\n--- last lines of ").append(log).append(":\n")
                    .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
        }
        for (int cpu = 0; cpu < CPUS; cpu++) {
            s.append('\n').append(cluster.cpuOutputTail(cpu));
        }
        return new AssertionError(s.toString(), e);
    }
}
