package org.openpair.bench;

import java.util.ArrayList;
import java.util.List;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;

/**
 * The yardstick of the spawn benchmark: a plain {@code IMap.get} from one member of keys whose
 * partition another member owns, so every get is one request/response between two members
 * over loopback, which is the smallest step a Guardian call across CPUs can take. Values are
 * about the size of a serialized process entry. Keys are (re)picked by current partition
 * owner before each batch.
 *
 * <p>The {@value Floors#IMAP_GET} floor of {@link Floors}; used by {@code bench floors} and
 * {@link SpawnBenchmark}.
 */
final class RemoteGetBaseline {
    static final String CASE = Floors.IMAP_GET;
    static final String MAP = "bench.baseline";
    private static final int KEYS = 64;
    private static final int VALUE_BYTES = 400;

    private final HazelcastInstance from;
    private final Member owner;
    private final IMap<String, String> map;
    private List<String> keys = List.of();

    /**
     * @param from  the member that calls get
     * @param owner the member that must own the keys' partitions
     */
    RemoteGetBaseline(HazelcastInstance from, Member owner) {
        this.from = from;
        this.owner = owner;
        this.map = from.getMap(MAP);
    }

    /** Picks keys whose partitions the owner holds now and stores their values. */
    void prepare() {
        List<String> picked = new ArrayList<>(KEYS);
        String value = "v".repeat(VALUE_BYTES);
        for (int i = 0; picked.size() < KEYS && i < 1_000_000; i++) {
            String key = "k" + i;
            Member keyOwner = from.getPartitionService().getPartition(key).getOwner();
            if (owner.equals(keyOwner)) {
                picked.add(key);
                map.set(key, value);
            }
        }
        if (picked.isEmpty()) {
            throw new IllegalStateException("no partition is owned by " + owner + " (is the cluster settled?)");
        }
        keys = picked;
    }

    /** {@code count} timed gets, added to {@code into}. */
    void measure(int count, Samples into, Deadline deadline) {
        if (keys.isEmpty()) {
            prepare();
        }
        for (int i = 0; i < count; i++) {
            deadline.check(i, count);
            String key = keys.get(i % keys.size());
            long t0 = System.nanoTime();
            String v = map.get(key);
            long t1 = System.nanoTime();
            if (v == null) {
                throw new IllegalStateException("baseline key " + key + " vanished from " + MAP);
            }
            if (into != null) {
                into.add(t1 - t0);
            }
        }
    }
}
