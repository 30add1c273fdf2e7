package org.openpair.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.testing.TestCluster;

/**
 * Chaos against the ledger pair ({@code org.openpair.examples.LedgerServer}) on three CPU JVMs:
 * two clients send transfers with unique IDs without pause while the ledger's primary is made
 * to fail again and again — its CPU killed with {@code kill -9}, its CPU frozen with SIGSTOP
 * until the heartbeat gives up and then thawed, the primary abending. Then the clients'
 * histories are checked against the ledger's own log of applied transfers: every acknowledged
 * transfer applied exactly once, nothing applied that no client sent, nothing executed twice
 * (the ledger would answer a second execution of an ID with DUP), the total conserved, and no
 * client ever accepting a reply from a primary older than one it had already heard from.
 *
 * <p>In {@code mvn verify} it makes {@value #SMOKE_FAULTS} faults. {@code -Dsoak.minutes=30}
 * makes it a soak: faults until the time is up; it prints the fault count and the verdict.
 */
class LedgerChaosIT {
    private static final ProcessName LEDGER = ProcessName.of("$LEDG");
    private static final String SERVER = "org.openpair.examples.LedgerServer";
    private static final int CPUS = 3;
    private static final int ACCOUNTS = 10;
    private static final long OPENING = 1_000_000;
    private static final int SMOKE_FAULTS = 5;
    /** Far above a takeover after the 5 s heartbeat timeout: a bound, not a speed claim. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(45);
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final int MAX_TRANSFERS_PER_CLIENT = 2_000_000;

    private enum Fault { KILL9, SIGSTOP_SIGCONT, ABEND }

    @Test
    @Timeout(value = 60, unit = TimeUnit.MINUTES)
    void ledgerUnderFaults_everyAcknowledgedTransferAppliedExactlyOnce_totalConserved_onePrimary() throws Exception {
        double soakMinutes = Double.parseDouble(System.getProperty("soak.minutes", "0"));
        long soakUntil = System.nanoTime() + (long) (soakMinutes * 60e9);
        Random random = new Random();
        try (TestCluster cluster = TestCluster.builder().cpus(CPUS).start()) {
            Guardian g = cluster.guardian();
            g.processSpawn(SpawnRequest.of(Program.hosted(SERVER)).name(LEDGER.toString()).cpu(0)
                    .args("any", String.valueOf(ACCOUNTS), String.valueOf(OPENING), "faults").build());
            List<Client> clients = List.of(new Client("A", g), new Client("B", g));
            List<Thread> threads = new ArrayList<>();
            for (Client c : clients) {
                Thread t = new Thread(c, "chaos-client-" + c.tag);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
            // The smoke's plan: each kind of fault, the CPU faults' restarts overlapping an abend, the last needing none.
            List<Fault> faults = List.of(Fault.KILL9, Fault.ABEND, Fault.SIGSTOP_SIGCONT, Fault.ABEND, Fault.KILL9);
            long started = System.nanoTime();
            int made = 0;
            long lastEpoch = 0;
            Restarts restarts = new Restarts(cluster);
            try {
                while (made < SMOKE_FAULTS || System.nanoTime() < soakUntil) {
                    Fault fault = made < faults.size() ? faults.get(made) : Fault.values()[random.nextInt(3)];
                    if (fault != Fault.ABEND) {
                        // A CPU fault needs all three CPUs up: two of three is the quorum.
                        restarts.awaitAll();
                    }
                    PairInfo before = awaitReadyPair(g, clients);
                    assertThat(before.epoch()).as("the pair's epoch only rises").isGreaterThanOrEqualTo(lastEpoch);
                    inject(cluster, g, fault, before, restarts);
                    made++;
                    lastEpoch = g.processGetPairInfo(LEDGER).epoch();
                    System.out.printf("chaos: %.1f s: fault %d %s on %s -> primary %s epoch %d; acknowledged %d%n",
                            (System.nanoTime() - started) / 1e9, made, fault, before.primary().cpuPin(),
                            g.processGetPairInfo(LEDGER).primary().cpuPin(), lastEpoch,
                            clients.stream().mapToInt(c -> c.acked.size()).sum());
                }
                awaitProgress(clients, 50);
            } finally {
                clients.forEach(c -> c.stop = true);
                restarts.awaitAll();
                for (Thread t : threads) {
                    t.join(REQUEST_TIMEOUT.toMillis() + 5_000);
                }
            }
            Verdict v = check(g, clients);
            System.out.printf("chaos verdict: %d faults, %d transfers acknowledged, %d applied, %d failed requests, %s%n",
                    made, v.acknowledged, v.applied, v.failed, v.problems.isEmpty() ? "PASS" : "FAIL " + v.problems);
            assertThat(v.problems).as("violations").isEmpty();
            assertThat(made).isGreaterThanOrEqualTo(SMOKE_FAULTS);
        }
    }

    /** Waits for a backup that holds the whole state (so that a fault has a member to move to), and clients moving. */
    private static PairInfo awaitReadyPair(Guardian g, List<Client> clients) {
        // The ready mark itself: replies leave while a new backup is being filled, so acknowledged
        // transfers no longer say that the backup holds the state.
        TestCluster.awaitCondition("$LEDG to have a primary and a ready backup", BOUND, () -> {
            PairInfo p = g.processGetPairInfo(LEDGER);
            return p.primary() != null && p.backup() != null && p.backupReady();
        });
        awaitProgress(clients, 30);
        return g.processGetPairInfo(LEDGER);
    }

    private static void awaitProgress(List<Client> clients, int more) {
        int start = clients.stream().mapToInt(c -> c.acked.size()).sum();
        TestCluster.awaitCondition(more + " more acknowledged transfers", BOUND,
                () -> clients.stream().mapToInt(c -> c.acked.size()).sum() >= start + more);
    }

    private static void inject(TestCluster cluster, Guardian g, Fault fault, PairInfo before, Restarts restarts) {
        int cpu = before.primary().cpu();
        switch (fault) {
            case KILL9 -> {
                cluster.kill9(cpu);
                awaitNewPrimary(g, before);
                restarts.start(cpu);
            }
            case SIGSTOP_SIGCONT -> {
                Path oldLog = Path.of(g.process(before.primary()).orElseThrow().logFile());
                cluster.sigstop(cpu);
                try {
                    awaitNewPrimary(g, before);
                } finally {
                    cluster.sigcont(cpu);
                }
                // Thawed, the old primary finds itself cut off and fences itself (meanwhile it may
                // try to act as a primary: the clients' histories show whether that got through);
                // then the CPU the node declared dead is ended and started again.
                TestCluster.awaitCondition("the thawed old primary to log that it was fenced or halted", BOUND,
                        () -> read(oldLog).contains("openpair: fenced:") || read(oldLog).contains("openpair: halted:"));
                cluster.kill9(cpu);
                restarts.start(cpu);
            }
            case ABEND -> {
                // Sync depth 0: the ABEND request is not resent to the new primary after the first one dies of it.
                try (ProcessFile f = g.fileOpen(LEDGER, 0)) {
                    f.writeRead("ABEND".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10));
                    throw new AssertionError("the ledger answered ABEND instead of abending");
                } catch (GuardianException e) {
                    assertThat(e.error()).as(e.getMessage()).isEqualTo(201);
                }
                awaitNewPrimary(g, before);
                assertThat(g.termination(before.primary())).hasValueSatisfying(
                        t -> assertThat(t.completionCode()).isEqualTo(5));
            }
        }
    }

    private static void awaitNewPrimary(Guardian g, PairInfo before) {
        TestCluster.awaitCondition("a new primary of $LEDG after " + before.primary().cpuPin(), BOUND, () -> {
            PairInfo p = g.processGetPairInfo(LEDGER);
            return p.primary() != null && !p.primary().equals(before.primary()) && p.epoch() > before.epoch();
        });
    }

    /** CPUs started again in the background, so that an abend can be made meanwhile. */
    private static final class Restarts {
        private final TestCluster cluster;
        private final List<Thread> running = new ArrayList<>();
        private final List<Throwable> failures = new CopyOnWriteArrayList<>();

        Restarts(TestCluster cluster) {
            this.cluster = cluster;
        }

        void start(int cpu) {
            Thread t = new Thread(() -> {
                try {
                    cluster.restart(cpu);
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "chaos-restart-cpu" + cpu);
            t.setDaemon(true);
            t.start();
            running.add(t);
        }

        void awaitAll() throws InterruptedException {
            for (Thread t : running) {
                t.join(TestCluster.START_BOUND.toMillis() + TestCluster.SETTLE_BOUND.toMillis());
                if (t.isAlive()) {
                    throw new AssertionError(t.getName() + " did not finish");
                }
            }
            running.clear();
            if (!failures.isEmpty()) {
                throw new AssertionError("a CPU restart failed", failures.get(0));
            }
        }
    }

    private record Verdict(int acknowledged, int applied, int failed, List<String> problems) {
    }

    private static Verdict check(Guardian g, List<Client> clients) {
        List<String> problems = new ArrayList<>();
        List<String> applied = new ArrayList<>();
        long total;
        try (ProcessFile f = g.fileOpen(LEDGER, 1)) {
            String[] t = ask(f, "TOTAL").split(" ");
            total = Long.parseLong(t[1]);
            long n = Long.parseLong(t[3]);
            for (long first = 1; first <= n; first += 1000) {
                String[] page = ask(f, "LOG " + first + " 1000").split(" ");
                applied.addAll(List.of(page).subList(1, page.length));
            }
            if (applied.size() != n) {
                problems.add("the ledger lists " + applied.size() + " transfers but counts " + n);
            }
        }
        if (total != ACCOUNTS * OPENING) {
            problems.add("total " + total + " instead of " + ACCOUNTS * OPENING);
        }
        Set<String> appliedSet = new HashSet<>(applied);
        if (appliedSet.size() != applied.size()) {
            problems.add((applied.size() - appliedSet.size()) + " transfer IDs applied more than once");
        }
        Set<String> sent = new HashSet<>();
        Set<String> unknownOutcome = new HashSet<>();
        int acknowledged = 0;
        int failed = 0;
        for (Client c : clients) {
            sent.addAll(c.sent);
            unknownOutcome.addAll(c.failedIds);
            acknowledged += c.acked.size();
            failed += c.failures.size();
            if (c.duplicates.get() > 0) {
                problems.add("client " + c.tag + ": " + c.duplicates.get() + " requests executed twice (DUP replies)");
            }
            for (String id : c.acked) {
                if (!appliedSet.contains(id)) {
                    problems.add("acknowledged transfer " + id + " is not in the ledger");
                }
            }
            List<String> servers = c.serversInOrder();
            if (new HashSet<>(servers).size() != servers.size()) {
                problems.add("client " + c.tag + " went back to an older primary: " + servers);
            }
            if (!c.failures.isEmpty()) {
                problems.add("client " + c.tag + " requests failed: " + c.failures.subList(0, Math.min(5, c.failures.size())));
            }
        }
        for (String id : applied) {
            if (!sent.contains(id)) {
                problems.add("applied transfer " + id + " was never sent");
            }
        }
        Set<String> acknowledgedIds = new HashSet<>();
        clients.forEach(c -> acknowledgedIds.addAll(c.acked));
        for (String id : applied) {
            if (!acknowledgedIds.contains(id) && !unknownOutcome.contains(id)) {
                problems.add("transfer " + id + " was applied but its client was told it was not");
            }
        }
        return new Verdict(acknowledged, applied.size(), failed, problems);
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    private static String ask(ProcessFile f, String request) {
        return new String(f.writeRead(request.getBytes(StandardCharsets.UTF_8), REQUEST_TIMEOUT), StandardCharsets.UTF_8);
    }

    /** One client: its own open (sync depth 1) and its history. */
    private static final class Client implements Runnable {
        final String tag;
        final Guardian g;
        final List<String> sent = new CopyOnWriteArrayList<>();
        final List<String> acked = new CopyOnWriteArrayList<>();
        final List<String> failures = new CopyOnWriteArrayList<>();
        final Set<String> failedIds = ConcurrentHashMap.newKeySet();
        final AtomicInteger duplicates = new AtomicInteger();
        /** The server (process descriptor) of each reply, consecutive repeats folded. */
        private final List<String> servers = new CopyOnWriteArrayList<>();
        volatile boolean stop;

        Client(String tag, Guardian g) {
            this.tag = tag;
            this.g = g;
        }

        List<String> serversInOrder() {
            return List.copyOf(servers);
        }

        @Override
        public void run() {
            Random random = new Random();
            try (ProcessFile f = g.fileOpen(LEDGER, 1)) {
                for (int i = 1; i <= MAX_TRANSFERS_PER_CLIENT && !stop; i++) {
                    int from = 1 + random.nextInt(ACCOUNTS);
                    int to = 1 + (from + random.nextInt(ACCOUNTS - 1)) % ACCOUNTS;
                    String id = tag + "." + i;
                    sent.add(id);
                    try {
                        String reply = ask(f, "XFER " + id + " " + from + " " + to + " " + (1 + random.nextInt(100)));
                        String[] w = reply.split(" ");
                        if (w[0].equals("OK")) {
                            acked.add(id);
                            if (servers.isEmpty() || !servers.get(servers.size() - 1).equals(w[4])) {
                                servers.add(w[4]);
                            }
                        } else if (w[0].equals("DUP")) {
                            duplicates.incrementAndGet();
                        } else {
                            failures.add(id + ": " + reply);
                        }
                    } catch (GuardianException e) {
                        failedIds.add(id);
                        failures.add(id + ": " + e.oneLine());
                    }
                }
            } catch (RuntimeException e) {
                failures.add("client " + tag + " ended: " + e);
            }
        }
    }
}
