package org.openpair.emulator.contract;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import org.openpair.guardian.CheckpointResult;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Receive;
import org.openpair.guardian.ReceivedRequest;
import org.openpair.guardian.RestartPolicy;
import org.openpair.guardian.SystemMessage;
import org.openpair.guardian.Takeover;

/**
 * The programs of the contract tests, run hosted or as Java OS processes alike. They report
 * what they observe as {@code REPORT key=value} lines in their logs (a hosted program's log,
 * an OS process's stdout), the one channel both kinds share.
 */
public final class ContractPrograms {
    private ContractPrograms() {
    }

    static void report(ProcessContext c, String key, Object value) {
        c.out().println("REPORT " + key + "=" + value);
        c.out().flush();
    }

    static RestartPolicy policy(List<String> args, int index) {
        return args.size() > index && args.get(index).equals("permanent")
                ? RestartPolicy.permanent(5, Duration.ofSeconds(30)) : RestartPolicy.TEMPORARY;
    }

    static void createBackup(ProcessContext c, String cpu, RestartPolicy policy) {
        if (!cpu.equals("none")) {
            c.createBackup(Integer.parseInt(cpu), policy);
        }
    }

    static void takeover(ProcessContext c, Takeover t) {
        report(c, "takeover", t.cause() + "," + t.epoch() + "," + t.oldPrimary() + ","
                + (t.termination() == null ? "none" : t.termination().completionCode()));
        Optional<SystemMessage> m = c.readSystemMessage(Duration.ofSeconds(5));
        report(c, "message", m.map(SystemMessage::number).orElse(0));
    }

    /**
     * A counter in the checkpointed key-value state, raised every 2 ms; reports each value it
     * sends and each one whose checkpoint the backup acknowledged. Args: backup CPU ("none" or
     * a number), restart policy ("permanent" or "temporary").
     */
    public static final class Counter implements GuardianProgram {
        @Override
        public void run(ProcessContext c) throws InterruptedException {
            if (c.role() == PairRole.BACKUP) {
                takeover(c, c.awaitTakeover(null));
                report(c, "found", c.state().getLong("counter").orElse(0L));
            } else {
                createBackup(c, c.args().get(0), policy(c.args(), 1));
            }
            while (!c.isStopRequested()) {
                long next = c.state().getLong("counter").orElse(0L) + 1;
                report(c, "sent", next);
                CheckpointResult r;
                try {
                    r = c.state().putLong("counter", next);
                } catch (GuardianException e) {
                    report(c, "error", e.error());
                    return;
                }
                report(c, r == CheckpointResult.OK ? "acked" : "alone", next);
                Thread.sleep(2);
            }
        }
    }

    /**
     * Checkpoint bytes, pipelined: sequence numbers sent with checkpointAsync in batches, every
     * batch awaited. A backup's applier checks that they arrive in order, each once, and reports
     * the last one it applied when it takes over. Args: backup CPU, how many to send.
     */
    public static final class Sequence implements GuardianProgram {
        @Override
        public void run(ProcessContext c) throws Exception {
            long start = 0;
            if (c.role() == PairRole.BACKUP) {
                long[] last = {0};
                Takeover t = c.awaitTakeover(bytes -> {
                    long v = ByteBuffer.wrap(bytes).getLong();
                    if (v != last[0] + 1) {
                        report(c, "violation", last[0] + "->" + v);
                    }
                    last[0] = v;
                });
                report(c, "applied", last[0]);
                takeover(c, t);
                start = last[0];
            } else {
                createBackup(c, c.args().get(0), RestartPolicy.TEMPORARY);
            }
            long total = Long.parseLong(c.args().get(1));
            long v = start;
            while (v < total && !c.isStopRequested()) {
                List<CompletableFuture<CheckpointResult>> batch = new ArrayList<>();
                long first = v + 1;
                for (int i = 0; i < 20 && v < total; i++) {
                    v++;
                    batch.add(c.checkpointAsync(ByteBuffer.allocate(8).putLong(v).array()));
                }
                report(c, "sent", v);
                for (CompletableFuture<CheckpointResult> f : batch) {
                    f.get();
                }
                report(c, "acked", v);
                if (first % 200 == 1) {
                    Thread.sleep(5);
                }
            }
            report(c, "done", v);
            while (!c.isStopRequested()) {
                Thread.sleep(20);
            }
        }
    }

    /** Alone, checkpoints once (NO_BACKUP), then one byte over the limit (22), then creates a backup and checkpoints (OK). */
    public static final class Limits implements GuardianProgram {
        @Override
        public void run(ProcessContext c) throws InterruptedException {
            if (c.role() == PairRole.BACKUP) {
                c.awaitTakeover(null);
                return;
            }
            report(c, "alone", c.checkpoint(new byte[] {1}));
            try {
                c.checkpoint(new byte[ProcessContext.MAX_CHECKPOINT_BYTES + 1]);
                report(c, "oversize", "accepted");
            } catch (GuardianException e) {
                report(c, "oversize", e.error());
            }
            try {
                c.awaitTakeover(null);
            } catch (GuardianException e) {
                report(c, "awaitAsPrimary", e.error());
            }
            c.createBackup(Integer.parseInt(c.args().get(0)), RestartPolicy.TEMPORARY);
            try {
                c.createBackup(Integer.parseInt(c.args().get(0)), RestartPolicy.TEMPORARY);
            } catch (GuardianException e) {
                report(c, "secondBackup", e.error());
            }
            report(c, "paired", c.checkpoint(new byte[] {2}));
            while (!c.isStopRequested()) {
                Thread.sleep(20);
            }
        }
    }

    // ---- the message system -------------------------------------------------------------

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /**
     * A counter server: "inc" raises the counter in the checkpointed state and replies with the
     * new value (state change and saved reply as one checkpoint); "hold" is read, reported and
     * never answered; "info" replies with FILE_GETRECEIVEINFO_. Opens and closes are reported.
     * Args: backup CPU, receive depth, restart policy.
     */
    public static final class Server implements GuardianProgram {
        @Override
        public void run(ProcessContext c) throws Exception {
            if (c.role() == PairRole.BACKUP) {
                takeover(c, c.awaitTakeover(null));
                if (policy(c.args(), 2).type() == RestartPolicy.Type.PERMANENT) {
                    // The new primary creates a new backup, as NonStop servers do after a takeover.
                    c.createBackup(org.openpair.guardian.SpawnRequest.ANY_CPU, policy(c.args(), 2));
                }
            } else {
                createBackup(c, c.args().get(0), policy(c.args(), 2));
            }
            Receive receive = c.openReceive(Integer.parseInt(c.args().get(1)), true);
            report(c, "serving", c.self().cpuPin());
            while (!c.isStopRequested()) {
                c.readSystemMessage(Duration.ZERO).ifPresent(m -> report(c, "system", m.number()));
                Optional<ReceivedRequest> got;
                try {
                    got = receive.readUpdate(Duration.ofMillis(50));
                } catch (GuardianException e) {
                    report(c, "readError", e.error());
                    return;
                }
                if (got.isEmpty()) {
                    continue;
                }
                ReceivedRequest r = got.get();
                String op = text(r.data());
                switch (op) {
                    case "inc" -> {
                        long next = c.state().getLong("counter").orElse(0L) + 1;
                        r.reply(ByteBuffer.allocate(8).putLong(next).array(), Map.of("counter", Long.toString(next)));
                    }
                    case "hold" -> report(c, "held", r.info().syncId());
                    case "info" -> r.reply(bytes(r.info().opener() + "|" + r.info().syncId() + "|" + r.info().syncDepth()));
                    default -> r.reply(bytes("?" + op));
                }
            }
        }
    }

    /**
     * A requester: opens the name in its first argument with sync depth 1 and sends "inc" as
     * many times as the second says, reporting each reply; then "info", and closes.
     */
    public static final class Client implements GuardianProgram {
        @Override
        public void run(ProcessContext c) {
            try (ProcessFile f = c.guardian().fileOpen(ProcessName.of(c.args().get(0)), 1)) {
                report(c, "server", f.server());
                int n = Integer.parseInt(c.args().get(1));
                for (int i = 0; i < n; i++) {
                    report(c, "reply", ByteBuffer.wrap(f.writeRead(bytes("inc"), Duration.ofSeconds(30))).getLong()
                            + "@" + f.syncId());
                }
                report(c, "info", text(f.writeRead(bytes("info"), Duration.ofSeconds(30))));
                try {
                    f.writeRead(new byte[ProcessFile.MAX_MESSAGE_BYTES + 1], Duration.ofSeconds(5));
                } catch (GuardianException e) {
                    report(c, "oversize", e.error());
                }
            }
            try {
                c.guardian().fileOpen(ProcessName.of("$NONE"), 0);
            } catch (GuardianException e) {
                report(c, "openMissing", e.error());
            }
            report(c, "done", true);
        }
    }

    /** Bad $RECEIVE opens: depth 0 and too deep (22); args: whether to try as unnamed. */
    public static final class BadReceive implements GuardianProgram {
        @Override
        public void run(ProcessContext c) {
            for (int depth : new int[] {0, ProcessContext.MAX_RECEIVE_DEPTH + 1}) {
                try {
                    c.openReceive(depth, false);
                    report(c, "depth" + depth, "accepted");
                } catch (GuardianException e) {
                    report(c, "depth" + depth, e.error());
                }
            }
            try {
                report(c, "open", c.openReceive(1, false).receiveDepth());
            } catch (GuardianException e) {
                report(c, "open", "error " + e.error());
            }
        }
    }

    // ---- loop timers ----------------------------------------------------------------------

    /** Arms the loop timer for the hundredths in its first argument, then spins. */
    public static final class Spinner implements GuardianProgram {
        @Override
        public void run(ProcessContext c) {
            report(c, "previous", c.setLoopTimer(Integer.parseInt(c.args().get(0))));
            long x = 0;
            while (true) {
                x += System.nanoTime() & 1;
                if (x == Long.MIN_VALUE) {
                    report(c, "impossible", x);
                }
            }
        }
    }

    /** Arms the loop timer for 0.3 s of CPU time, then sleeps 1.5 s: waiting uses no CPU time. */
    public static final class Sleeper implements GuardianProgram {
        @Override
        public void run(ProcessContext c) throws InterruptedException {
            c.setLoopTimer(30);
            Thread.sleep(1500);
            report(c, "disarmed", c.setLoopTimer(0));
        }
    }

    /** SETLOOPTIMER's return values and refusals. */
    public static final class TimerSettings implements GuardianProgram {
        @Override
        public void run(ProcessContext c) {
            List<String> seen = new ArrayList<>();
            seen.add(Integer.toString(c.setLoopTimer(500)));
            seen.add(Integer.toString(c.setLoopTimer(700)));
            for (int bad : new int[] {-1, ProcessContext.MAX_LOOP_TIMER + 1}) {
                try {
                    c.setLoopTimer(bad);
                    seen.add("accepted");
                } catch (GuardianException e) {
                    seen.add("e" + e.error());
                }
            }
            seen.add(Integer.toString(c.setLoopTimer(0)));
            seen.add(Integer.toString(c.setLoopTimer(0)));
            report(c, "settings", String.join(",", seen));
        }
    }

    /**
     * A pair whose primary, after a few checkpoints, stops re-arming its loop timer and spins
     * (the runaway loop the timer is for); the backup takes over and reports it. Args: backup CPU.
     */
    public static final class Runaway implements GuardianProgram {
        @Override
        public void run(ProcessContext c) throws InterruptedException {
            if (c.role() == PairRole.BACKUP) {
                takeover(c, c.awaitTakeover(null));
                report(c, "found", c.state().getLong("passes").orElse(0L));
                return;
            }
            c.createBackup(Integer.parseInt(c.args().get(0)), RestartPolicy.TEMPORARY);
            for (long pass = 1; pass <= 20; pass++) {
                c.setLoopTimer(50);
                c.state().putLong("passes", pass);
                Thread.sleep(5);
            }
            report(c, "runaway", true);
            long x = 0;
            while (true) {
                x += System.nanoTime() & 1;
                if (x == Long.MIN_VALUE) {
                    report(c, "impossible", x);
                }
            }
        }
    }

    // ---- robust semaphores ----------------------------------------------------------------

    /** Creates the semaphore in its first argument (1 permit, RELEASE), takes it, commits n=41, and holds it. */
    public static final class SemHolder implements GuardianProgram {
        @Override
        public void run(ProcessContext c) throws InterruptedException {
            org.openpair.guardian.RobustSemaphore sem = c.guardian().semaphoreCreate(c.args().get(0), 1,
                    org.openpair.guardian.DeathPolicy.RELEASE);
            sem.acquire(1);
            report(c, "version", sem.update().putLong("n", 41).commit());
            report(c, "held", sem.holding().permits());
            while (!c.isStopRequested()) {
                Thread.sleep(20);
            }
        }
    }

    /**
     * Waits for the semaphore in its first argument, reports whether its owner died and the
     * state it finds, repairs it and lets go; then tries the refusals.
     */
    public static final class SemWaiter implements GuardianProgram {
        @Override
        public void run(ProcessContext c) {
            org.openpair.guardian.RobustSemaphore sem = c.guardian().semaphore(c.args().get(0));
            org.openpair.guardian.Acquisition a = sem.tryAcquire(1, Duration.ofSeconds(30)).orElseThrow();
            report(c, "ownerDied", a.ownerDied());
            report(c, "deadOwners", a.deadOwners());
            report(c, "n", sem.state().getLong("n").orElse(-1));
            report(c, "consistency", sem.info().consistency());
            sem.markConsistent();
            sem.update().putLong("n", 42).commit();
            report(c, "repaired", sem.state().getLong("n").orElse(-1) + "," + sem.info().consistency());
            List<String> errors = new ArrayList<>();
            for (Runnable bad : List.<Runnable>of(() -> sem.acquire(0), () -> sem.release(5),
                    () -> c.guardian().semaphore("no.such.sem"),
                    () -> c.guardian().semaphoreCreate("bad name!", 1, org.openpair.guardian.DeathPolicy.RELEASE))) {
                try {
                    bad.run();
                    errors.add("accepted");
                } catch (GuardianException e) {
                    errors.add(Integer.toString(e.error()));
                }
            }
            report(c, "errors", String.join(",", errors));
            sem.release(1);
            report(c, "available", sem.info().available());
        }
    }
    /** Waits until it is asked to stop: a child for the Guardian contract to spawn and stop. */
    public static final class Idle implements GuardianProgram {
        @Override
        public void run(ProcessContext c) throws InterruptedException {
            report(c, "running", c.self());
            while (!c.isStopRequested()) {
                Thread.sleep(10);
            }
        }
    }

    /** What a Guardian call gave: its value, or "e" and the Guardian error number. */
    static String outcome(java.util.function.Supplier<Object> call) {
        try {
            return String.valueOf(call.get());
        } catch (GuardianException e) {
            return "e" + e.error();
        }
    }

    static org.openpair.guardian.Program program(String kind, Class<? extends GuardianProgram> type) {
        return kind.equals("java") ? org.openpair.guardian.Program.java(type) : org.openpair.guardian.Program.hosted(type);
    }

    /**
     * Spawns three {@link Idle} children on CPU 1, the first of its own kind (arg 0: "java" or "hosted"),
     * names from args 1-3, and stops them by handle, by name and by handle with StopScope.PAIR,
     * waiting for each death record; reports what lookup, PROCESS_GETPAIRINFO_ and
     * PROCESSHANDLE_COMPARE_ said about the first, and each child's completion code and killer.
     */
    public static final class Spawner implements GuardianProgram {
        @Override
        public void run(ProcessContext c) throws InterruptedException {
            var g = c.guardian();
            List<org.openpair.guardian.ProcessHandle> children = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                // The first of its own kind; the others hosted, as they only need to be stopped (a JVM each costs time).
                children.add(g.processSpawn(org.openpair.guardian.SpawnRequest.of(program(i == 1 ? c.args().get(0) : "hosted", Idle.class))
                        .cpu(1).name(c.args().get(i)).build()));
            }
            var first = children.get(0);
            var firstName = ProcessName.of(c.args().get(1));
            report(c, "lookup", g.lookup(firstName).map(p -> p.handle().equals(first) + "," + p.program().display()
                    + "," + p.ancestor().equals(c.self())).orElse("absent"));
            report(c, "pairinfo", g.processGetPairInfo(first).status() + "," + g.processGetPairInfo(firstName).status());
            report(c, "compare", g.processHandleCompare(first, first) + "," + g.processHandleCompare(first, c.self()));
            report(c, "listed", g.processes().stream().filter(p -> children.contains(p.handle())).count()
                    + "," + g.process(first).isPresent() + "," + g.cpus().size());
            g.processStop(first);
            g.processStop(ProcessName.of(c.args().get(2)));
            g.processStop(children.get(2), org.openpair.guardian.StopScope.PAIR);
            List<String> ends = new ArrayList<>();
            for (var h : children) {
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (g.termination(h).isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                ends.add(g.termination(h).map(t -> t.completionCode() + "/" + c.self().equals(t.killer()))
                        .orElse("alive"));
            }
            report(c, "ends", String.join(",", ends));
            report(c, "afterwards", g.lookup(firstName).isPresent() + ","
                    + g.terminations().stream().anyMatch(t -> t.process().equals(first)));
        }
    }

    /**
     * Asks the Guardian about itself (arg 0 is its own name) and then gives it one bad input per
     * procedure, reporting each outcome: a value, or the Guardian error number.
     */
    public static final class GuardianProbe implements GuardianProgram {
        @Override
        public void run(ProcessContext c) {
            var g = c.guardian();
            var self = c.self();
            var own = ProcessName.of(c.args().get(0));
            report(c, "self", g.lookup(own).map(p -> p.handle().equals(self) + "," + p.name()).orElse("absent")
                    + "," + g.processGetPairInfo(own).status() + "," + g.processGetPairInfo(self).status()
                    + "," + g.process(self).map(p -> p.handle().equals(self)).orElse(false)
                    + "," + g.termination(self).isPresent() + "," + g.nodeName().equals(self.node()));
            g.semaphoreCreate("gp" + self.verifier(), 1, org.openpair.guardian.DeathPolicy.RELEASE);
            report(c, "semaphores", g.semaphores().stream().anyMatch(s -> s.name().equals("gp" + self.verifier())));
            g.semaphorePurge("gp" + self.verifier());
            var unknown = ProcessName.of("$NONE9");
            var stale = new org.openpair.guardian.ProcessHandle(self.node(), 1, 4000, 424242);
            var noCpu = new org.openpair.guardian.ProcessHandle(self.node(), 9, 1, 1);
            List<String> seen = new ArrayList<>();
            seen.add("lookup:" + outcome(() -> g.lookup(unknown).isPresent()));
            seen.add("pairinfo:" + outcome(() -> g.processGetPairInfo(unknown).status()));
            seen.add("stopName:" + outcome(() -> {
                g.processStop(unknown);
                return "ok";
            }));
            seen.add("stopStale:" + outcome(() -> {
                g.processStop(stale);
                return "ok";
            }));
            seen.add("stopNoCpu:" + outcome(() -> {
                g.processStop(noCpu);
                return "ok";
            }));
            seen.add("stopOpposite:" + outcome(() -> {
                g.processStop(self, org.openpair.guardian.StopScope.OPPOSITE);
                return "ok";
            }));
            seen.add("stopPairStale:" + outcome(() -> {
                g.processStop(stale, org.openpair.guardian.StopScope.PAIR);
                return "ok";
            }));
            seen.add("switch:" + outcome(() -> {
                g.switchPair(unknown);
                return "ok";
            }));
            seen.add("switchSingle:" + outcome(() -> {
                g.switchPair(own);
                return "ok";
            }));
            seen.add("killName:" + outcome(() -> {
                g.kill(unknown, org.openpair.guardian.Signal.SIGUSR1);
                return "ok";
            }));
            seen.add("killStale:" + outcome(() -> {
                g.kill(stale, org.openpair.guardian.Signal.SIGUSR1);
                return "ok";
            }));
            seen.add("process:" + outcome(() -> g.process(stale).isPresent()));
            seen.add("termination:" + outcome(() -> g.termination(stale).isPresent()));
            seen.add("compare:" + outcome(() -> g.processHandleCompare(stale, self)));
            seen.add("spawnDup:" + outcome(() -> g.processSpawn(org.openpair.guardian.SpawnRequest
                    .of(org.openpair.guardian.Program.hosted(Idle.class)).cpu(1).name(own).build())));
            seen.add("spawnNoCpu:" + outcome(() -> g.processSpawn(org.openpair.guardian.SpawnRequest
                    .of(org.openpair.guardian.Program.hosted(Idle.class)).cpu(9).build())));
            seen.add("spawnNoClass:" + outcome(() -> g.processSpawn(org.openpair.guardian.SpawnRequest
                    .of(org.openpair.guardian.Program.hosted("no.such.Program")).cpu(1).build())));
            report(c, "bad", String.join(",", seen));
        }
    }
    /** Waits (bounded) until {@code done} holds; false when it did not within 20 s. */
    static boolean within(java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    /**
     * Catches SIGTIMEOUT and carries on: arms 0.1 s of CPU time and spins until the handler has
     * run, twice, then returns normally (completion code 0).
     */
    public static final class TimeoutCatcher implements GuardianProgram {
        @Override
        public void run(ProcessContext c) {
            java.util.concurrent.atomic.AtomicInteger caught = new java.util.concurrent.atomic.AtomicInteger();
            c.signals().sigaction(org.openpair.guardian.Signal.SIGTIMEOUT,
                    org.openpair.guardian.SignalAction.handler(s -> caught.incrementAndGet()));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            long x = 0;
            for (int round = 1; round <= 2; round++) {
                c.setLoopTimer(10);
                while (caught.get() < round && System.nanoTime() < deadline) {
                    x += System.nanoTime() & 1;
                }
                report(c, "caught", caught.get());
            }
            report(c, "carriedOn", x >= 0);
        }
    }

    /**
     * Catches SIGUSR1 and reports each one; by default anything else that terminates ends it.
     * Reports "ready" once the handler is installed, then waits to be stopped.
     */
    public static final class Catcher implements GuardianProgram {
        @Override
        public void run(ProcessContext c) throws InterruptedException {
            java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
            c.signals().sigaction(org.openpair.guardian.Signal.SIGUSR1,
                    org.openpair.guardian.SignalAction.handler(s -> report(c, "caught", s + "#" + n.incrementAndGet())));
            report(c, "ready", true);
            while (!c.isStopRequested()) {
                Thread.sleep(10);
            }
        }
    }

    /**
     * Blocks SIGUSR1, SIGUSR2 and SIGHUP with a handler for each, reports "blocked", waits until
     * three are pending and reports them, unblocks, and reports the order the handler saw.
     */
    public static final class Blocker implements GuardianProgram {
        @Override
        public void run(ProcessContext c) throws InterruptedException {
            var sig = c.signals();
            List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            var blocked = java.util.Set.of(org.openpair.guardian.Signal.SIGUSR1, org.openpair.guardian.Signal.SIGUSR2,
                    org.openpair.guardian.Signal.SIGHUP);
            for (var s : blocked) {
                sig.sigaction(s, org.openpair.guardian.SignalAction.handler(x -> seen.add(x.toString())));
            }
            sig.setMask(blocked);
            report(c, "blocked", true);
            within(() -> sig.pending().size() == 3);
            report(c, "pending", sig.pending() + "," + seen.size());
            sig.setMask(java.util.Set.of());
            within(() -> seen.size() == 3);
            report(c, "order", String.join(",", seen));
        }
    }

    static String describe(org.openpair.guardian.Signals sig) {
        StringBuilder b = new StringBuilder();
        for (var s : org.openpair.guardian.Signal.values()) {
            if (s.isCatchable()) {
                var a = sig.action(s);
                b.append(a instanceof org.openpair.guardian.SignalAction.Catch ? 'C'
                        : a instanceof org.openpair.guardian.SignalAction.Ignore ? 'I' : 'D');
            }
        }
        return b + "/" + new java.util.TreeSet<>(sig.mask());
    }

    /**
     * SIGACTION_SUPPLANT_ then SIGACTION_RESTORE_: reports whether the state after RESTORE_ is
     * exactly the one before (actions, the very handler, mask), that SUPPLANT_ changed it, and
     * that a SIGUSR1 raised while supplanted stayed pending and reached the first handler after.
     */
    public static final class SupplantRestore implements GuardianProgram {
        @Override
        public void run(ProcessContext c) throws InterruptedException {
            var sig = c.signals();
            List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            org.openpair.guardian.SignalHandler mine = s -> seen.add("mine:" + s);
            sig.sigaction(org.openpair.guardian.Signal.SIGUSR1, org.openpair.guardian.SignalAction.handler(mine));
            sig.sigaction(org.openpair.guardian.Signal.SIGUSR2, org.openpair.guardian.SignalAction.ignore());
            sig.setMask(java.util.Set.of(org.openpair.guardian.Signal.SIGALRM));
            String before = describe(sig);
            var buffer = new org.openpair.guardian.SignalState();
            sig.sigactionSupplant(s -> seen.add("subsystem:" + s), buffer);
            String during = describe(sig);
            sig.raise(org.openpair.guardian.Signal.SIGUSR1);
            String pendingDuring = sig.pending().toString();
            sig.sigactionRestore(buffer);
            within(() -> !seen.isEmpty());
            String after = describe(sig);
            boolean sameHandler = sig.action(org.openpair.guardian.Signal.SIGUSR1)
                    instanceof org.openpair.guardian.SignalAction.Catch k && k.handler() == mine;
            report(c, "restored", before.equals(after) + "," + !before.equals(during) + "," + sameHandler + ","
                    + pendingDuring + "," + seen + "," + after);
        }
    }
}
