package org.openpair.bench;

import java.util.ArrayList;
import java.util.List;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;

/**
 * A yardstick of the pair benchmarks: {@code IMap.set} of 100 bytes from one member for keys
 * whose partition another member owns, with one synchronous backup (the map's default), so each
 * set is what storing a checkpoint in Hazelcast would cost: a request to the owner, a backup to
 * the backup replica, and the acknowledgements back. With two members the backup replica is the
 * caller's own member. Keys are (re)picked by current partition owner before each batch.
 *
 * <p>The {@value Floors#IMAP_SET} and {@value Floors#IMAP_SET_IDLE} floors of {@link Floors}; used
 * by {@code bench floors}, {@link CheckpointBenchmark}, {@link TakeoverBenchmark} and
 * {@link SemBenchmark}.
 */
final class RemoteSetBaseline {
    static final String CASE = Floors.IMAP_SET;
    static final String CASE_IDLE = Floors.IMAP_SET_IDLE;
    static final String MAP = "bench.imap-set";
    static final int VALUE_BYTES = 100;
    private static final int KEYS = 64;

    private final HazelcastInstance from;
    private final Member owner;
    private final IMap<String, byte[]> map;
    private final byte[] value = new byte[VALUE_BYTES];
    private List<String> keys = List.of();

    /**
     * @param from  the member that calls set
     * @param owner the member that must own the keys' partitions
     */
    RemoteSetBaseline(HazelcastInstance from, Member owner) {
        this.from = from;
        this.owner = owner;
        this.map = from.getMap(MAP);
    }

    /** The map's synchronous and asynchronous backup counts, as configured. */
    String backups() {
        var config = from.getConfig().findMapConfig(MAP);
        return config.getBackupCount() + " sync, " + config.getAsyncBackupCount() + " async";
    }

    /** Picks keys whose partitions the owner holds now. */
    void prepare() {
        List<String> picked = new ArrayList<>(KEYS);
        for (int i = 0; picked.size() < KEYS && i < 1_000_000; i++) {
            String key = "s" + i;
            if (owner.equals(from.getPartitionService().getPartition(key).getOwner())) {
                picked.add(key);
            }
        }
        if (picked.isEmpty()) {
            throw new IllegalStateException("no partition is owned by " + owner + " (is the cluster settled?)");
        }
        keys = picked;
    }

    /**
     * {@code count} timed sets, each after {@code pause} of silence from this caller, added to
     * {@code into}: what one write costs when Hazelcast's threads have gone idle in between, as
     * they have when a takeover's writes come.
     */
    void measureIdle(int count, java.time.Duration pause, Samples into, Deadline deadline) {
        if (keys.isEmpty()) {
            prepare();
        }
        for (int i = 0; i < count; i++) {
            deadline.check(i, count);
            java.util.concurrent.locks.LockSupport.parkNanos(pause.toNanos());
            String key = keys.get(i % keys.size());
            long t0 = System.nanoTime();
            map.set(key, value);
            into.add(System.nanoTime() - t0);
        }
    }

    /** {@code count} timed sets, added to {@code into} (none if {@code null}: a warm-up). */
    void measure(int count, Samples into, Deadline deadline) {
        if (keys.isEmpty()) {
            prepare();
        }
        for (int i = 0; i < count; i++) {
            deadline.check(i, count);
            String key = keys.get(i % keys.size());
            long t0 = System.nanoTime();
            map.set(key, value);
            long t1 = System.nanoTime();
            if (into != null) {
                into.add(t1 - t0);
            }
        }
    }
}
