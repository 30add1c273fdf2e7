package org.openpair.tests;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessName;
import org.openpair.testing.TestCluster;

/**
 * Clients of a ledger pair ({@code org.openpair.examples.LedgerServer}'s requests) and the
 * check of what they were told against the ledger: every acknowledged transfer applied exactly
 * once, nothing applied that was not sent, the total conserved. Each client keeps how long its
 * longest request waited, and when each acknowledgement came.
 */
final class LedgerClients {
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(45);
    private static final Duration BOUND = Duration.ofSeconds(60);

    private LedgerClients() {
    }

    static String ask(ProcessFile f, String request) {
        return new String(f.writeRead(request.getBytes(StandardCharsets.UTF_8), REQUEST_TIMEOUT), StandardCharsets.UTF_8);
    }

    static void awaitAcked(List<Client> clients, int atLeast) {
        TestCluster.awaitCondition(atLeast + " acknowledged transfers", BOUND, () -> {
            for (Client c : clients) {
                if (!c.failures.isEmpty()) {
                    throw new AssertionError("client " + c.tag + ": " + c.failures);
                }
            }
            return acked(clients) >= atLeast;
        });
    }

    static int acked(List<Client> clients) {
        return clients.stream().mapToInt(c -> c.acked.size()).sum();
    }

    /**
     * What is wrong with the ledger {@code name}, opened with {@code accounts} accounts of
     * {@code opening} each, after {@code clients} are finished; empty if nothing.
     */
    static List<String> checkLedger(Guardian g, ProcessName name, long total, List<Client> clients) {
        List<String> problems = new ArrayList<>();
        List<String> applied = new ArrayList<>();
        try (ProcessFile f = g.fileOpen(name, 1)) {
            String[] t = ask(f, "TOTAL").split(" ");
            if (Long.parseLong(t[1]) != total) {
                problems.add("total " + t[1] + " instead of " + total);
            }
            long n = Long.parseLong(t[3]);
            for (long first = 1; first <= n; first += 1000) {
                String[] page = ask(f, "LOG " + first + " 1000").split(" ");
                applied.addAll(List.of(page).subList(1, page.length));
            }
        }
        Set<String> appliedSet = new HashSet<>(applied);
        if (appliedSet.size() != applied.size()) {
            problems.add((applied.size() - appliedSet.size()) + " transfers applied twice");
        }
        Set<String> sent = new HashSet<>();
        for (Client c : clients) {
            sent.addAll(c.sent);
            problems.addAll(c.failures);
            for (String id : c.acked) {
                if (!appliedSet.contains(id)) {
                    problems.add("acknowledged transfer " + id + " is not in the ledger");
                }
            }
        }
        for (String id : applied) {
            if (!sent.contains(id)) {
                problems.add("transfer " + id + " was applied but never sent");
            }
        }
        return problems;
    }

    /**
     * The longest time, in ms, within [{@code fromNanos}, {@code toNanos}] in which no client
     * got an acknowledgement: what the pair's clients together saw as its longest silence.
     */
    static long longestSilenceMillis(List<Client> clients, long fromNanos, long toNanos) {
        List<Long> times = new ArrayList<>();
        for (Client c : clients) {
            times.addAll(c.ackedAt);
        }
        times.removeIf(t -> t < fromNanos || t > toNanos);
        times.add(fromNanos);
        times.add(toNanos);
        times.sort(null);
        long longest = 0;
        for (int i = 1; i < times.size(); i++) {
            longest = Math.max(longest, times.get(i) - times.get(i - 1));
        }
        return longest / 1_000_000;
    }

    /** One client of the ledger: its own open (sync depth 1), unique transfer IDs, its history. */
    static final class Client {
        final String tag;
        final Guardian g;
        final ProcessName name;
        final int accounts;
        final Random random;
        final List<String> sent = new CopyOnWriteArrayList<>();
        final List<String> acked = new CopyOnWriteArrayList<>();
        /** When each acknowledgement arrived (System.nanoTime). */
        final List<Long> ackedAt = new CopyOnWriteArrayList<>();
        final List<String> failures = new CopyOnWriteArrayList<>();
        volatile String lastReply;
        /** The longest a request of this client waited for its reply, in ns. */
        volatile long longestWaitNanos;
        private final Thread thread;
        private volatile boolean stop;

        Client(String tag, Guardian g, ProcessName name, int accounts, Random random) {
            this.tag = tag;
            this.g = g;
            this.name = name;
            this.accounts = accounts;
            this.random = random;
            this.thread = new Thread(this::run, "ledger-client-" + tag);
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        void finish() throws InterruptedException {
            stop = true;
            thread.join(REQUEST_TIMEOUT.toMillis() + 10_000);
            if (thread.isAlive()) {
                failures.add("client " + tag + " did not finish");
            }
        }

        private void run() {
            try (ProcessFile f = g.fileOpen(name, 1)) {
                for (int i = 1; i <= 1_000_000 && !stop; i++) {
                    int from = 1 + random.nextInt(accounts);
                    int to = 1 + (from + random.nextInt(accounts - 1)) % accounts;
                    String id = tag + "." + i;
                    sent.add(id);
                    String reply;
                    long asked = System.nanoTime();
                    try {
                        reply = ask(f, "XFER " + id + " " + from + " " + to + " " + (1 + random.nextInt(100)));
                    } catch (GuardianException e) {
                        failures.add(id + ": " + e.oneLine());
                        return;
                    }
                    long answered = System.nanoTime();
                    longestWaitNanos = Math.max(longestWaitNanos, answered - asked);
                    if (reply.startsWith("OK ")) {
                        acked.add(id);
                        ackedAt.add(answered);
                        lastReply = reply;
                    } else {
                        failures.add(id + ": " + reply);
                        return;
                    }
                }
            } catch (RuntimeException e) {
                failures.add("client " + tag + " ended: " + e);
            }
        }
    }
}
