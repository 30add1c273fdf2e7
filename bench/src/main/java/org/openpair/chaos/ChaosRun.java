package org.openpair.chaos;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.openpair.emulator.netns.NetnsLab;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessName;

/**
 * A Jepsen-style run against real CPU JVMs: it starts its own node, three pairs (the hosted
 * ledger {@code $LEDG}, the key-value store {@code $KV}, the ledger as Java OS processes
 * {@code $LEDO}) under concurrent clients that record every request, makes the planned faults
 * one after another (each from a whole node with every pair whole and serving), reads every
 * pair's state back and hands history and state to the {@link Checker}.
 *
 * {@snippet :
 * ChaosResult r = ChaosRun.run(new ChaosSettings(42, 20, 3, 2, ChaosSettings.DEFAULT_RATE, 5, 0, Duration.ofSeconds(30),
 *         Duration.ofMinutes(30), logDir, true), progress);
 * boolean clean = r.violations().isEmpty();
 * }
 */
public final class ChaosRun {
    private static final Duration BOUND = Duration.ofSeconds(60);
    /** Replies a pair must give between faults, so each fault meets a pair that serves. */
    private static final int PROGRESS_BETWEEN_FAULTS = 10;
    /** Each client's bound in count, beside the run's bound in time. */
    private static final long MAX_REQUESTS_PER_CLIENT = 20_000_000;

    private ChaosRun() {
    }

    /** The pairs of every run, their first primaries spread over the CPUs. */
    static List<ChaosPair> pairs(int cpus) {
        return List.of(new ChaosPair(ProcessName.of("$LEDG"), PairKind.LEDGER, false, 0),
                new ChaosPair(ProcessName.of("$KV"), PairKind.KV, false, 1 % cpus),
                new ChaosPair(ProcessName.of("$LEDO"), PairKind.LEDGER, true, 2 % cpus));
    }


    /** The plan a run with these settings makes. */
    public static List<String> plan(ChaosSettings s) {
        return FaultPlan.make(s.seed(), s.faults(), pairs(s.cpus()), s.heartbeatSeconds(), s.leaseMillis()).stream()
                .map(f -> f.index() + " " + f.kind().key() + " " + pairs(s.cpus()).get(f.pair()).name()
                        + (f.millis() > 0 ? " " + f.millis() + " ms" : ""))
                .toList();
    }

    public static ChaosResult run(ChaosSettings s, PrintWriter progress) {
        long began = System.nanoTime();
        long deadline = began + s.maxDuration().toNanos();
        List<ChaosPair> pairs = pairs(s.cpus());
        List<Fault> plan = FaultPlan.make(s.seed(), s.faults(), pairs, s.heartbeatSeconds(), s.leaseMillis());
        say(progress, "chaos: seed %d, %d faults, %d CPU JVMs, %d clients per pair (%s; every second one sends "
                + "nowait), heartbeat timeout %d s (replay: --seed %d --faults %d)", s.seed(), s.faults(), s.cpus(),
                s.clientsPerPair(), s.ratePerClient() > 0 ? "each at most " + s.ratePerClient() + " requests/s" : "unpaced",
                s.heartbeatSeconds(), s.seed(), s.faults());
        History history = new History();
        List<FaultRecord> records = new ArrayList<>();
        List<Violation> lost = new ArrayList<>();
        Set<String> lostPairs = new LinkedHashSet<>();
        NetnsLab lab = null;
        String noPartition = "every CPU is on 127.0.0.1 (--loopback): there is no network to cut";
        if (s.namespaces()) {
            try {
                lab = NetnsLab.create(s.cpus());
            } catch (NetnsLab.Unavailable e) {
                noPartition = "network namespaces are unavailable here (" + e.getMessage() + "): every CPU is on 127.0.0.1";
            }
        }
        try (ChaosNode node = ChaosNode.start(s.cpus(), s.heartbeatSeconds(), s.leaseMillis(), s.logDir(), lab)) {
            Guardian g = node.guardian();
            say(progress, "chaos: node \\%s up, %s, logs in %s", node.config().nodeName(),
                    lab != null ? "each CPU in a network namespace of its own (" + lab + ")" : "on 127.0.0.1", s.logDir());
            for (ChaosPair p : pairs) {
                g.processSpawn(p.spawn());
            }
            List<ChaosClient> clients = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (ChaosPair p : pairs) {
                for (int c = 0; c < s.clientsPerPair(); c++) {
                    String tag = p.name().toString().substring(1).toLowerCase(Locale.ROOT) + c;
                    ChaosClient client = new ChaosClient(p, tag, g, history, s.requestTimeout(),
                            s.seed() * 31 + clients.size(), deadline, MAX_REQUESTS_PER_CLIENT, s.ratePerClient(),
                            c % 2 == 1);
                    Thread t = new Thread(client, "chaos-client-" + tag);
                    t.setDaemon(true);
                    clients.add(client);
                    threads.add(t);
                }
            }
            threads.forEach(Thread::start);
            FaultInjector injector = new FaultInjector(node, pairs, java.util.Collections.unmodifiableSet(lostPairs),
                    history, s.requestTimeout(),
                    node.canPartition() ? null : noPartition);
            for (Fault planned : plan) {
                Fault fault = retarget(planned, pairs, lostPairs);
                if (System.nanoTime() - deadline > 0) {
                    say(progress, "chaos: the run's bound of %d s passed: no more faults", s.maxDuration().toSeconds());
                    break;
                }
                String end = lostPairs.size() == pairs.size() ? "every pair was lost"
                        : node.restartDead() || node.restartDead() ? null
                        : "the node was not whole again within twice " + ChaosNode.SETTLE_BOUND.toSeconds()
                        + " s (CPUs up: " + upCpus(node) + ")";
                if (end != null) {
                    // Faults on a node that cannot be whole again would test nothing more.
                    say(progress, "chaos: the run ends before fault %d: %s", planned.index(), end);
                    plan.subList(planned.index() - 1, plan.size()).forEach(f -> records.add(skipped(f, pairs, end)));
                    break;
                }
                awaitServing(g, history, pairs, lostPairs);
                FaultRecord r = fault == null ? skipped(planned, pairs, "every pair it fits was lost earlier in the run")
                        : injector.make(fault);
                records.add(r);
                survivors(g, node, pairs, lostPairs, r, lost);
                // The wall clock too, to find the fault in the CPUs' logs.
                say(progress, "chaos: %.1f s (%s): fault %d/%d %s on %s%s%s", (System.nanoTime() - began) / 1e9,
                        LocalTime.now().truncatedTo(ChronoUnit.MILLIS),
                        planned.index(), plan.size(), planned.kind().key(), r.pair(),
                        r.skipped() != null ? ": skipped: " + r.skipped() : "",
                        r.note().isEmpty() ? "" : " (" + r.note() + ")");
            }
            node.restartDead();
            awaitServing(g, history, pairs, lostPairs);
            clients.forEach(ChaosClient::stop);
            for (Thread t : threads) {
                join(t, s.requestTimeout().plusSeconds(10));
            }
            node.restartDead();
            List<FinalState> finals = new ArrayList<>();
            for (ChaosPair p : pairs) {
                Set<String> keys = new LinkedHashSet<>();
                history.snapshot().stream().filter(o -> o.pair().equals(p.name().toString()) && o.key() != null)
                        .forEach(o -> keys.add(o.key()));
                finals.add(FinalReader.read(g, p, keys, s.requestTimeout()));
            }
            List<Op> ops = history.snapshot();
            List<Violation> violations = new ArrayList<>(Checker.check(ops, finals));
            violations.addAll(lost);
            return new ChaosResult(s, records, ops, finals, violations, (System.nanoTime() - began) / 1_000_000);
        }
    }

    /**
     * A fault planned against a pair that was lost goes to the first pair still served that it
     * fits, so that a lost pair does not silence the rest of the plan; null if none fits.
     */
    private static Fault retarget(Fault f, List<ChaosPair> pairs, Set<String> lostPairs) {
        if (!lostPairs.contains(pairs.get(f.pair()).name().toString())) {
            return f;
        }
        for (int i = 0; i < pairs.size(); i++) {
            if (!lostPairs.contains(pairs.get(i).name().toString()) && FaultPlan.fits(f.kind(), pairs.get(i))) {
                return new Fault(f.index(), f.kind(), i, f.millis());
            }
        }
        return null;
    }

    private static FaultRecord skipped(Fault f, List<ChaosPair> pairs, String why) {
        long now = System.nanoTime();
        return new FaultRecord(f, pairs.get(f.pair()).name().toString(), now, now, why, "");
    }

    private static String upCpus(ChaosNode node) {
        try {
            return node.upCpus().toString();
        } catch (RuntimeException e) {
            return "unknown: " + e.getMessage();
        }
    }

    /** Waits (bounded) until each pair has a primary and a ready backup and has answered a few more requests. */
    private static void awaitServing(Guardian g, History history, List<ChaosPair> pairs, Set<String> lostPairs) {
        awaitBackupsReady(g, pairs, lostPairs);
        for (ChaosPair p : pairs) {
            String name = p.name().toString();
            if (!lostPairs.contains(name)) {
                long acked = history.acked(name);
                Waits.until(BOUND, () -> history.acked(name) >= acked + PROGRESS_BETWEEN_FAULTS);
            }
        }
    }

    /**
     * Waits (bounded) until each pair not lost has a primary and a backup that holds the whole
     * state: a CPU killed before that is a double fault of the run's own making for a pair with a
     * member on it (the promotion invariant refuses a backup that is not ready). False if one
     * did not within the bound.
     */
    static boolean awaitBackupsReady(Guardian g, List<ChaosPair> pairs, Set<String> lostPairs) {
        boolean all = true;
        for (ChaosPair p : pairs) {
            if (!lostPairs.contains(p.name().toString())) {
                all &= Waits.until(BOUND, () -> {
                    PairInfo info = g.processGetPairInfo(p.name());
                    return info.primary() != null && info.backup() != null && info.backupReady();
                });
            }
        }
        return all;
    }

    /** A pair with no primary a bound after the fault, while CPU JVMs run, was lost by it. */
    private static void survivors(Guardian g, ChaosNode node, List<ChaosPair> pairs, Set<String> lostPairs,
                                  FaultRecord r, List<Violation> lost) {
        if (!r.wasMade()) {
            return;
        }
        for (ChaosPair p : pairs) {
            String name = p.name().toString();
            if (lostPairs.contains(name)) {
                continue;
            }
            boolean hasPrimary = Waits.until(BOUND, () -> g.processGetPairInfo(p.name()).primary() != null);
            boolean cpuAlive = java.util.stream.IntStream.range(0, node.cpus()).anyMatch(node::isAlive);
            if (!hasPrimary && cpuAlive) {
                lostPairs.add(name);
                lost.add(new Violation(Violation.Type.PAIR_LOST, name, r.startNanos(), name + " has no member "
                        + BOUND.toSeconds() + " s after fault " + r.fault().index() + " (" + r.fault().kind().key()
                        + ") while CPU JVMs run (CPUs listed up: " + upCpus(node) + ")"));
            }
        }
    }

    private static void join(Thread t, Duration bound) {
        try {
            t.join(bound.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void say(PrintWriter out, String format, Object... args) {
        out.printf(format + "%n", args);
        out.flush();
    }
}
