package org.openpair.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

import org.openpair.guardian.CheckpointResult;

/**
 * What the server of {@code guardian bench writeread} ({@link WriteReadBenchProgram}) tells
 * the driver: the requests it executed (its checkpointed state), how their replies ended
 * (checkpointed and sent; sent without a backup; failed), the requests it refused, and, per
 * request size, the two parts of the timed requests it can see: the request's way to it and
 * its own part until the reply left.
 *
 * <p>Run: {@code ./guardian bench writeread}.
 *
 * @param requestLegs per request size, from the requester's call until READUPDATE returned, ns
 * @param inServer    per request size, from READUPDATE's return until the reply left, ns
 */
record WriteReadServerStats(long executed, long replied, long noBackup, long failed, long refused,
                            Map<Integer, Stats> requestLegs, Map<Integer, Stats> inServer) {
    private static final int MAGIC = 0x57524253; // "WRBS"
    private static final int HEADER = 4 + 5 * Long.BYTES;

    WriteReadServerStats {
        requestLegs = Map.copyOf(requestLegs);
        inServer = Map.copyOf(inServer);
    }

    byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(HEADER + 2 * 4 + (requestLegs.size() + inServer.size()) * (2 * 4 + 3 * 8));
        b.putInt(MAGIC).putLong(executed).putLong(replied).putLong(noBackup).putLong(failed).putLong(refused);
        for (Map<Integer, Stats> m : java.util.List.of(requestLegs, inServer)) {
            b.putInt(m.size());
            new TreeMap<>(m).forEach((size, s) -> b.putInt(size).putInt(s.n()).putLong(s.p50()).putLong(s.p99())
                    .putLong(s.max()));
        }
        return b.array();
    }

    /** @throws IllegalArgumentException if the bytes are not statistics (a refusal, say) */
    static WriteReadServerStats decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if (bytes.length < HEADER + 2 * 4 || b.getInt() != MAGIC) {
            throw new IllegalArgumentException("not the bench server's statistics: "
                    + new String(bytes, StandardCharsets.UTF_8));
        }
        long executed = b.getLong();
        long replied = b.getLong();
        long noBackup = b.getLong();
        long failed = b.getLong();
        long refused = b.getLong();
        return new WriteReadServerStats(executed, replied, noBackup, failed, refused, stats(b), stats(b));
    }

    private static Map<Integer, Stats> stats(ByteBuffer b) {
        Map<Integer, Stats> m = new TreeMap<>();
        for (int i = b.getInt(); i > 0; i--) {
            m.put(b.getInt(), new Stats(b.getInt(), b.getLong(), b.getLong(), b.getLong()));
        }
        return m;
    }

    /** The server's side: counts as replies complete (on the link's threads), timings until the next snapshot. */
    static final class Counter {
        /** Requests this process executed (its state may have started higher, after a takeover). */
        private long executing;
        private long replied;
        private long noBackup;
        private long failed;
        private long refused;
        private final Timings requestLegs = new Timings();
        private final Timings inServer = new Timings();

        synchronized void executing() {
            executing++;
        }

        synchronized void requestLeg(int size, long nanos) {
            requestLegs.add(size, nanos);
        }

        /** A reply completed; {@code timedSize} is the request's size if it was timed, else negative. */
        synchronized void replied(CheckpointResult result, Throwable failure, int timedSize, long nanos) {
            notifyAll();
            if (failure != null) {
                failed++;
                return;
            }
            if (result == CheckpointResult.OK) {
                replied++;
            } else {
                noBackup++;
            }
            if (timedSize >= 0) {
                inServer.add(timedSize, nanos);
            }
        }

        synchronized void refused() {
            refused++;
        }

        /** Waits (bounded) until the reply of every request this process executed has completed. */
        synchronized void awaitCompleted(long timeoutNanos) {
            long end = System.nanoTime() + timeoutNanos;
            while (replied + noBackup + failed < executing) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                try {
                    wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        /** The counts now and the timings taken since the last snapshot, which are then forgotten. */
        synchronized WriteReadServerStats snapshot(long executed) {
            return new WriteReadServerStats(executed, replied, noBackup, failed, refused, requestLegs.drain(),
                    inServer.drain());
        }
    }

    /** Samples per request size. Not thread-safe: {@link Counter} guards it. */
    private static final class Timings {
        private final Map<Integer, long[]> samples = new TreeMap<>();
        private final Map<Integer, Integer> counts = new TreeMap<>();

        void add(int size, long nanos) {
            long[] s = samples.computeIfAbsent(size, k -> new long[1024]);
            int n = counts.getOrDefault(size, 0);
            if (n == s.length) {
                s = Arrays.copyOf(s, n * 2);
                samples.put(size, s);
            }
            s[n] = nanos;
            counts.put(size, n + 1);
        }

        Map<Integer, Stats> drain() {
            Map<Integer, Stats> out = new TreeMap<>();
            counts.forEach((size, n) -> out.put(size, Stats.of(Arrays.copyOf(samples.get(size), n))));
            samples.clear();
            counts.clear();
            return out;
        }
    }
}
