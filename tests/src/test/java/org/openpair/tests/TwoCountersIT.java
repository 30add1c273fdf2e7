package org.openpair.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.config.LoopbackPorts;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.emulator.sharedmemory.HolderKill;
import org.openpair.emulator.sharedmemory.TypedSegment;
import org.openpair.examples.TwoCounters;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.Program;
import org.openpair.guardian.SegmentHolder;
import org.openpair.guardian.SegmentLock;
import org.openpair.guardian.SegmentRecovery;
import org.openpair.guardian.SpawnRequest;
import org.openpair.testing.GuardianCli;

/**
 * The TwoCounters example on a shared segment, with real OS processes: Java OS processes and a
 * hosted one (in this JVM's CPU) share one segment; Java ones are stopped while "who holds the
 * lock" shows them mid-update and killed there with {@code kill -9}; the next holder is told, the update is rolled
 * back, the sum stays constant and the segment serves on. Then the {@code guardian demo counters}
 * runner itself, and its refusals of bad options. One CPU in this JVM is enough: the segment is
 * memory the processes map, and the OS processes are what gets killed.
 */
class TwoCountersIT {
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final String SEGMENT = "twoc";
    private static final long TOTAL = 1000;
    private static final int KILLS = 3;

    private EmbeddedNode node;
    private Guardian g;
    private TypedSegment segment;
    private final Map<ProcessHandle, Path> logs = new LinkedHashMap<>();

    @BeforeEach
    void start() throws IOException {
        Path work = Files.createTempDirectory("openpair-twocounters");
        NodeConfig config = NodeConfig.builder().nodeName("TWOC" + ThreadLocalRandom.current().nextInt(1000))
                .basePort(LoopbackPorts.block(1)).cpus(1).logDir(work.resolve("logs")).build();
        node = EmbeddedNode.start(config, List.of(0));
        g = node.guardian();
        segment = TypedSegment.open(config.nodeName(), SEGMENT, TwoCounters.LAYOUT, null);
    }

    @AfterEach
    void stop() {
        for (ProcessHandle h : logs.keySet()) {
            try {
                if (g.process(h).isPresent()) {
                    g.processStop(h);
                }
            } catch (RuntimeException e) {
                // It ended on its own in between.
            }
        }
        node.close();
        segment.remove();
    }

    private ProcessHandle spawn(Program program) {
        ProcessHandle h = g.processSpawn(SpawnRequest.of(program).cpu(0)
                .args(SEGMENT, String.valueOf(TOTAL), "1000000", "30").build());
        logs.put(h, Path.of(g.process(h).orElseThrow().logFile()));
        return h;
    }

    @Test
    void holdersKilledMidUpdate_nextHolderIsToldAndFindsItRolledBack_sumStaysConstant_segmentServesOn()
            throws Exception {
        ProcessHandle hosted = spawn(Program.hosted(TwoCounters.class));
        Set<ProcessHandle> osProcesses = new HashSet<>();
        osProcesses.add(spawn(Program.java(TwoCounters.class)));
        osProcesses.add(spawn(Program.java(TwoCounters.class)));
        Set<ProcessHandle> holdersSeen = new HashSet<>();
        await("every process to start and the hosted one to hold the lock", () -> {
            segment.holder().map(SegmentHolder::process).ifPresent(holdersSeen::add);
            return holdersSeen.containsAll(osProcesses) && holdersSeen.contains(hosted) ? Optional.of(true)
                    : Optional.empty();
        });

        for (int k = 1; k <= KILLS; k++) {
            SegmentHolder victim = HolderKill.killMidUpdate(segment, h -> osProcesses.contains(h.process()), BOUND);
            SegmentRecovery r = await("the next holder to recover from pid " + victim.pid(), () -> segment.lastRecovery()
                    .filter(x -> x.dead().pid() == victim.pid()));
            assertThat(r.dead().process()).isEqualTo(victim.process());
            assertThat(r.recoveredBy()).isIn(logs.keySet()).isNotEqualTo(victim.process());
            assertThat(segment.recoveries()).isEqualTo(k);
            String told = await("the next holder to log that it was told", () -> lines(r.recoveredBy()).stream()
                    .filter(l -> l.startsWith("owner died:") && l.contains("(pid " + victim.pid() + ")")).findFirst());
            assertThat(r.rolledBack()).as("killed while stopped mid-update").isTrue();
            assertThat(told).contains("rolled back: true").contains("a + b = " + TOTAL);
            osProcesses.remove(victim.process());
            osProcesses.add(spawn(Program.java(TwoCounters.class)));
            long commits = segment.commits();
            await("the segment to serve on", () -> segment.commits() >= commits + 6 ? Optional.of(true) : Optional.empty());
        }
        for (ProcessHandle h : logs.keySet()) {
            if (g.process(h).isPresent()) {
                g.processStop(h);
            }
        }
        await("every counter process to end", () -> logs.keySet().stream().noneMatch(h -> g.process(h).isPresent())
                ? Optional.of(true) : Optional.empty());
        try (SegmentLock lock = segment.tryLock(BOUND).orElseThrow()) {
            assertThat(lock.getLong("a") + lock.getLong("b")).isEqualTo(TOTAL);
            assertThat(lock.getLong("total")).isEqualTo(TOTAL);
            assertThat(lock.getLong("moves")).isPositive();
        }
        assertThat(lines(hosted)).anyMatch(l -> l.startsWith("started:"));
        List<String> broken = new ArrayList<>();
        logs.keySet().forEach(h -> lines(h).stream().filter(l -> l.contains("invariant broken")).forEach(broken::add));
        assertThat(broken).isEmpty();
    }

    @Test
    void demoCounters_killsAHolderMidUpdate_andReportsTheRollBackAndTheConstantSum() {
        GuardianCli.Result r = GuardianCli.execute("demo", "counters", "--processes", "2", "--pause", "20");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("kill -9 ").contains("; rolled back: true; a + b = " + TOTAL)
                .contains("a + b = " + TOTAL + " (constant)").contains("== Done:");
        assertThat(r.out()).doesNotContain("BROKEN", "UNEXPECTED");
    }

    @Test
    void demoCounters_badOptions_exit2_andStartNothing() {
        for (String[] bad : List.of(new String[]{"--processes", "1"}, new String[]{"--processes", "9"},
                new String[]{"--pause", "4"}, new String[]{"--pause", "1001"}, new String[]{"--pause", "x"})) {
            List<String> line = new ArrayList<>(List.of("demo", "counters"));
            line.addAll(List.of(bad));
            GuardianCli.Result r = GuardianCli.execute(line.toArray(String[]::new));
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.out()).as(r.toString()).doesNotContain("== 1.");
        }
    }

    private List<String> lines(ProcessHandle h) {
        try {
            return Files.readAllLines(logs.get(h));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Polls every millisecond until {@code value} has one, or fails after {@link #BOUND}. */
    private static <T> T await(String what, Supplier<Optional<T>> value) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (true) {
            Optional<T> v = value.get();
            if (v.isPresent()) {
                return v.get();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + BOUND.toSeconds() + " s: " + what);
            }
            Thread.sleep(1);
        }
    }
}
