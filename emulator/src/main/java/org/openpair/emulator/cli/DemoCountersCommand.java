package org.openpair.emulator.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;

import org.openpair.emulator.config.LoopbackPorts;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.emulator.sharedmemory.HolderKill;
import org.openpair.emulator.sharedmemory.TypedSegment;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.SegmentHolder;
import org.openpair.guardian.SegmentLayout;
import org.openpair.guardian.SegmentLayout.Field;
import org.openpair.guardian.SegmentLock;
import org.openpair.guardian.SegmentRecovery;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code guardian demo counters}: the two-counter robust-update example. A one-CPU node in this
 * JVM runs TwoCounters processes as Java OS processes on one shared segment; the demo watches
 * "who holds the lock" until a process holds it mid-update, stops it there and kills it with
 * {@code kill -9}, and shows the next holder told the owner died, the torn update rolled back,
 * the sum still constant and the segment serving on. Everything it starts, it stops.
 */
@Command(name = "counters", mixinStandardHelpOptions = true,
        description = {"Run TwoCounters processes (Java OS processes) that keep two counters with a constant sum in "
                + "a shared segment, kill -9 one while it holds the lock mid-update, and show the next holder told "
                + "the owner died, the update rolled back and the sum still constant.",
                "Uses its own node name and a free loopback port; leaves nothing running and removes the segment."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the demo ran and the segment behaved as expected", "1:the segment did not behave as expected",
                "2:the command line was malformed", "4:internal failure"})
final class DemoCountersCommand implements Callable<Integer> {
    static final String PROGRAM = "org.openpair.examples.TwoCounters";
    /** TwoCounters' layout: opening the segment with any other is refused, so a drift fails loudly. */
    static final SegmentLayout LAYOUT = SegmentLayout.of(Field.int64("a"), Field.int64("b"), Field.int64("total"),
            Field.int64("moves"), Field.string("last", 64));
    static final String SEGMENT = "counters";
    static final long TOTAL = 1000;
    private static final Duration BOUND = Duration.ofSeconds(60);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--processes", defaultValue = "3", paramLabel = "N",
            description = "How many TwoCounters processes share the segment, 2-8 (default: ${DEFAULT-VALUE}).")
    int processes;

    @Option(names = "--pause", defaultValue = "40", paramLabel = "MS",
            description = "Milliseconds between a move's two writes, where the kill lands, 5-1000 (default: ${DEFAULT-VALUE}).")
    int pauseMillis;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (processes < 2 || processes > 8) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--processes must be 2-8: " + processes);
        }
        if (pauseMillis < 5 || pauseMillis > 1000) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--pause must be 5-1000: " + pauseMillis);
        }
        PrintWriter out = spec.commandLine().getOut();
        Path work = Files.createTempDirectory("openpair-counters");
        NodeConfig config = NodeConfig.builder().nodeName("CTRS" + ThreadLocalRandom.current().nextInt(1000))
                .basePort(LoopbackPorts.block(1)).cpus(1).logDir(work.resolve("logs")).build();
        TypedSegment segment = null;
        try (EmbeddedNode node = EmbeddedNode.start(config, List.of(0))) {
            Guardian g = node.guardian();
            step(out, "1. Node \\" + config.nodeName() + ", CPU 0 in this JVM. Shared segment '" + SEGMENT + "': "
                    + LAYOUT + ", a + b = " + TOTAL + " always");
            segment = TypedSegment.open(config.nodeName(), SEGMENT, LAYOUT, null);
            out.println("file " + segment.file());

            step(out, "2. Start " + processes + " TwoCounters processes, each a JVM of its own: lock, read a and b, "
                    + "write a - x, pause " + pauseMillis + " ms, write b + x, commit, unlock");
            CounterProcesses counters = new CounterProcesses(g, pauseMillis);
            for (int i = 0; i < processes; i++) {
                counters.spawn();
            }
            counters.list(out);
            final TypedSegment seg = segment;
            await("every process to start and the counters to move", () -> counters.allStarted()
                    && seg.commits() >= 2L * processes);

            step(out, "3. Who holds the lock (read from the segment, without taking the lock)");
            for (int i = 0; i < 3; i++) {
                out.println("  " + segment.holder().map(SegmentHolder::toString).orElse("nobody") + "; "
                        + segment.commits() + " commits");
                Thread.sleep(pauseMillis);
            }

            step(out, "4. Wait until a counter process holds the lock mid-update, stop it there (kill -STOP), "
                    + "then kill -9 it");
            SegmentHolder h = HolderKill.killMidUpdate(segment, x -> counters.isOurs(x.process()), BOUND);
            ProcessHandle victim = h.process();
            out.println("  held by " + h);
            out.println("  kill -9 " + h.pid() + " sent while it was stopped mid-update");
            // The kernel marks the lock at once, and wakes a waiter that recovers it: show what a reader sees first.
            Optional<SegmentHolder> now = awaitValue("the holder's death to show", () -> {
                Optional<SegmentHolder> x = seg.holder();
                return x.isPresent() && x.get().pid() == h.pid() && !x.get().died() ? Optional.empty() : Optional.of(x);
            });
            out.println("  who holds it now: " + now.map(x -> x.pid() == h.pid() ? x + " (the next locker will roll back)"
                    : x + " (the next holder took over already)").orElse("nobody"));
            SegmentRecovery r = awaitValue("the next holder to recover the segment", () -> seg.lastRecovery()
                    .filter(x -> x.dead().pid() == h.pid()));
            counters.spawn();          // in place of the one killed, so as many go on

            step(out, "5. The next holder was told");
            out.println("  the segment's record: pid " + r.dead().pid() + " died holding the lock; "
                    + r.recoveredBy().descriptor(null) + " locked next, at " + r.at() + ", was told, and "
                    + (r.rolledBack() ? "rolled back the dead one's unfinished move" : "found nothing to roll back"));
            String told = awaitValue("the next holder to log it", () -> counters.logLine(r.recoveredBy(), "owner died:",
                    "(pid " + r.dead().pid() + ")"));
            out.println("  its log: " + told);
            String termination = g.termination(victim).map(t -> "completion code " + t.completionCode() + " ("
                    + t.cause() + ")").orElse("not recorded yet");
            out.println("  the killed process ended: " + termination);

            step(out, "6. The segment serves on");
            long commits = segment.commits();
            await("more commits", () -> seg.commits() >= commits + 2L * processes);
            out.println("  " + commits + " -> " + segment.commits() + " commits; recoveries so far: " + segment.recoveries());

            step(out, "7. Stop every process and read the counters under the lock");
            counters.stopAll();
            await("every counter process to end", counters::noneRunning);
            boolean sumOk;
            try (SegmentLock lock = segment.tryLock(BOUND).orElseThrow(() -> new GuardianException(GuardianError.TIMED_OUT,
                    "the segment stayed locked after its processes ended"))) {
                long a = lock.getLong("a");
                long b = lock.getLong("b");
                sumOk = a + b == lock.getLong("total") && a + b == TOTAL;
                out.println("  a = " + a + ", b = " + b + ", a + b = " + (a + b) + (sumOk ? " (constant)" : " (BROKEN)")
                        + "; " + lock.getLong("moves") + " moves, the last by " + lock.getString("last"));
                if (lock.ownerDied()) {
                    out.println("  (a process stopped while holding the lock: " + lock.deadHolder().orElse(null) + ")");
                }
            }
            boolean ok = r.rolledBack() && told.contains("rolled back: true") && told.contains("a + b = " + TOTAL)
                    && sumOk && counters.brokenInvariants().isEmpty();
            counters.brokenInvariants().forEach(l -> out.println("  " + l));
            step(out, ok ? "Done: the process killed mid-update left a torn pair; the next holder was told its owner "
                    + "died and found the update rolled back; a + b stayed " + TOTAL + "."
                    : "UNEXPECTED: see above.");
            out.println("Logs: " + work);
            out.flush();
            return ok ? ExitCodes.OK : ExitCodes.GUARDIAN_ERROR;
        } finally {
            if (segment != null) {
                segment.remove();
            }
        }
    }

    private static void step(PrintWriter out, String text) {
        out.println();
        out.println("== " + text);
        out.flush();
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        awaitValue(what, () -> condition.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.empty());
    }

    static <T> T awaitValue(String what, java.util.function.Supplier<Optional<T>> value) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (true) {
            Optional<T> v = value.get();
            if (v.isPresent()) {
                return v.get();
            }
            if (System.nanoTime() > deadline) {
                throw new GuardianException(GuardianError.TIMED_OUT, "waited " + BOUND.toSeconds() + " s for " + what);
            }
            Thread.sleep(1);
        }
    }
}
