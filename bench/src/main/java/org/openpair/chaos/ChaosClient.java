package org.openpair.chaos;

import java.time.Duration;
import java.util.Random;

import org.openpair.guardian.Guardian;

/**
 * A client thread of the run: sends requests to one pair one at a time, at most {@code rate} a
 * second (0: without pause), until it is stopped, its deadline passes or it has sent its maximum.
 * A client held up (a takeover, a timeout) does not burst afterwards to catch up: the pace starts
 * again from the moment it is free. Ledger clients transfer between
 * random accounts; key-value clients write fresh values to keys of their own (so that one
 * writer alone orders each key). While the pair cannot be opened it waits a little and tries
 * again, within the same deadline.
 */
final class ChaosClient implements Runnable {
    static final int KEYS_PER_CLIENT = 4;
    private static final Duration REOPEN_PAUSE = Duration.ofMillis(100);

    private final ChaosPair pair;
    private final String tag;
    private final Requests requests;
    private final Random random;
    private final long deadlineNanos;
    private final long maxRequests;
    private final long intervalNanos;
    private volatile boolean stop;

    ChaosClient(ChaosPair pair, String tag, Guardian guardian, History history, Duration timeout, long seed,
                long deadlineNanos, long maxRequests, int rate, boolean nowait) {
        this.pair = pair;
        this.tag = tag;
        this.requests = new Requests(guardian, pair.name(), tag, timeout, history, nowait);
        this.random = new Random(seed);
        this.deadlineNanos = deadlineNanos;
        this.maxRequests = maxRequests;
        this.intervalNanos = rate > 0 ? 1_000_000_000L / rate : 0;
    }

    void stop() {
        stop = true;
    }

    @Override
    public void run() {
        try (requests) {
            long sent = 0;
            long next = System.nanoTime();
            while (!stop && sent < maxRequests && System.nanoTime() - deadlineNanos < 0) {
                if (!requests.ensureOpen()) {
                    if (!Waits.pause(REOPEN_PAUSE)) {
                        return;
                    }
                    continue;
                }
                if (pair.kind() == PairKind.LEDGER) {
                    int from = 1 + random.nextInt(ChaosPair.ACCOUNTS);
                    int to = 1 + (from + random.nextInt(ChaosPair.ACCOUNTS - 1)) % ChaosPair.ACCOUNTS;
                    requests.transfer(from, to, 1 + random.nextInt(100));
                } else {
                    requests.put(tag + ".k" + random.nextInt(KEYS_PER_CLIENT), 0);
                }
                sent++;
                if (intervalNanos > 0) {
                    next += intervalNanos;
                    long wait = next - System.nanoTime();
                    if (wait <= 0) {
                        next = System.nanoTime();
                    } else if (!Waits.pause(Duration.ofNanos(wait))) {
                        return;
                    }
                }
            }
        }
    }
}
