package org.openpair.chaos;

import java.util.concurrent.TimeUnit;

import com.hazelcast.core.HazelcastInstance;

import org.openpair.emulator.cluster.SafetyProbe;

/**
 * Asks one CPU's member whether no partition is migrating and every backup is in sync. Only a
 * member can tell, so the run's client ships a {@link SafetyProbe} to one; a fault made while
 * partitions still move after a restart would test the engine's migration, not the pairs.
 */
final class ClusterSafety {
    /** Not the CPUs' own executor, so the probe never queues behind their work. */
    private static final String EXECUTOR = "openpair.chaos";

    private ClusterSafety() {
    }

    /** True if the member the client picks reports the cluster safe within 10 s; false otherwise. */
    static boolean ask(HazelcastInstance client) {
        try {
            return SafetyProbe.submit(client, EXECUTOR).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }
}
