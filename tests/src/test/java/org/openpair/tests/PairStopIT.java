package org.openpair.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.StopScope;
import org.openpair.testing.TestCluster;

/**
 * The operator's PROCESS_STOP_ of a whole pair ({@link StopScope#PAIR}) on the checkpointing
 * counter ({@code org.openpair.examples.CounterServer}, whose restart policy re-creates a dead
 * backup at once): both members end, no member takes over, and the name is free. One node of
 * three CPU JVMs for the class.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PairStopIT {
    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final ProcessName CTR = ProcessName.of("$CTR");
    private static final Pattern HELD = Pattern.compile("^counter (\\d+) held by backup$", Pattern.MULTILINE);

    /** Runs the operator's calls that wait on a CPU, so that one that never returns fails the test. */
    private static final ExecutorService CALLS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "pairstopit-call");
        t.setDaemon(true);
        return t;
    });

    private static TestCluster cluster;
    private static Guardian guardian;

    @BeforeAll
    static void startNode() {
        cluster = TestCluster.start(3);
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
    @AfterEach
    void noCounterPair() {
        for (int attempt = 0; attempt < 5; attempt++) {
            ProcessHandle primary = guardian.processGetPairInfo(CTR).primary();
            if (primary == null) {
                break;
            }
            try {
                bounded("stop of $CTR " + primary.cpuPin() + " (cleanup)",
                        () -> guardian.processStop(primary, StopScope.PAIR));
            } catch (GuardianException e) {
                // Gone meanwhile: look again.
            }
        }
        await("no process named $CTR", () -> guardian.processGetPairInfo(CTR).primary() == null
                && guardian.processes().stream().noneMatch(p -> CTR.equals(p.name())));
    }

    @Test
    void stopOfANewPair_endsBothMembers_noMemberTakesOver_nameIsFree() {
        ProcessHandle primary = spawnCounterPair();
        PairInfo pair = awaitCheckpointsHeld(primary);

        stopPairAndAssertNoneLeft(pair);
    }

    @Test
    void stopOfAPairAfterATakeover_endsBothMembers_noMemberTakesOver_nameIsFree() {
        ProcessHandle primary = spawnCounterPair();
        PairInfo first = awaitCheckpointsHeld(primary);
        bounded("stop of the primary " + primary.cpuPin(), () -> guardian.processStop(primary, StopScope.TARGET));
        // The backup takes over and makes a backup of its own, on any other CPU.
        await("the backup " + first.backup().cpuPin() + " to be primary with a backup of its own", () -> {
            PairInfo p = guardian.processGetPairInfo(CTR);
            return first.backup().equals(p.primary()) && p.backup() != null;
        });
        PairInfo second = awaitCheckpointsHeld(first.backup());

        stopPairAndAssertNoneLeft(second);
    }

    /** $CTR: primary on CPU 1, backup on CPU 2, a step every 20 ms. */
    private ProcessHandle spawnCounterPair() {
        return bounded("spawn of $CTR", () -> guardian.processSpawn(
                SpawnRequest.of(Program.hosted("org.openpair.examples.CounterServer")).name("$CTR").cpu(1)
                        .args("2", "20").build()));
    }

    /** Waits until {@code primary} is $CTR's primary with a backup and has 10 more checkpoints held. */
    private PairInfo awaitCheckpointsHeld(ProcessHandle primary) {
        await("$CTR's primary " + primary.cpuPin() + " to have a backup", () -> {
            PairInfo p = guardian.processGetPairInfo(CTR);
            return primary.equals(p.primary()) && p.backup() != null;
        });
        Path log = Path.of(guardian.process(primary).orElseThrow().logFile());
        long before = HELD.matcher(read(log)).results().count();
        await("10 more checkpoints of " + primary.cpuPin() + " held by its backup",
                () -> HELD.matcher(read(log)).results().count() >= before + 10);
        PairInfo pair = guardian.processGetPairInfo(CTR);
        assertThat(pair.primary()).isEqualTo(primary);
        assertThat(pair.backup()).isNotNull();
        return pair;
    }

    private void stopPairAndAssertNoneLeft(PairInfo pair) {
        ProcessHandle primary = pair.primary();
        ProcessHandle backup = pair.backup();
        String both = primary.cpuPin() + " + " + backup.cpuPin();
        bounded("stop of the pair " + both, () -> guardian.processStop(primary, StopScope.PAIR));

        await("both members " + both + " to be gone",
                () -> guardian.process(primary).isEmpty() && guardian.process(backup).isEmpty());
        BooleanSupplier nameFree = () -> guardian.lookup(CTR).isEmpty()
                && guardian.processGetPairInfo(CTR).primary() == null
                && guardian.processes().stream().noneMatch(p -> CTR.equals(p.name()));
        try {
            TestCluster.assertStaysTrue("no process is named $CTR after the stop of the pair " + both,
                    Duration.ofSeconds(2), nameFree);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + counterProcesses(), e);
        }
    }

    /** The live $CTR processes and the first lines of their logs (a takeover shows there). */
    private static String counterProcesses() {
        try {
            return "$CTR now: " + guardian.processGetPairInfo(CTR) + "\n"
                    + guardian.processes().stream().filter(p -> CTR.equals(p.name()))
                            .map(p -> "process " + p.handle().cpuPin() + " (" + p.logFile() + "):\n  "
                                    + read(Path.of(p.logFile())).lines().limit(3).collect(Collectors.joining("\n  ")))
                            .collect(Collectors.joining("\n"));
        } catch (RuntimeException e) {
            return "(cannot list $CTR: " + e + ")";
        }
    }

    private static String read(Path log) {
        try {
            return new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + log + ": " + e, e);
        }
    }

    private static void await(String what, BooleanSupplier condition) {
        try {
            TestCluster.awaitCondition(what, BOUND, condition);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + counterProcesses() + "\n"
                    + List.of(0, 1, 2).stream().map(cluster::cpuOutputTail).collect(Collectors.joining("\n")), e);
        }
    }

    /** Runs an operator call that must return within {@link #BOUND}; fails the test otherwise. */
    private static <T> T bounded(String what, java.util.concurrent.Callable<T> call) {
        Future<T> result = CALLS.submit(call);
        try {
            return result.get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            result.cancel(true);
            throw new AssertionError(what + " did not return within " + BOUND.toMillis() + " ms\n"
                    + counterProcesses());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(what + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted during " + what, e);
        }
    }

    private static void bounded(String what, Runnable call) {
        bounded(what, () -> {
            call.run();
            return null;
        });
    }
}
