package org.openpair.testing;

import java.util.concurrent.TimeUnit;

import com.hazelcast.core.HazelcastInstance;

import org.openpair.emulator.cluster.SafetyProbe;

/**
 * Asks a CPU's member whether the cluster is safe: no partition migrating, every backup in
 * sync. Only a member can tell ({@code PartitionService.isClusterSafe}), so the harness ships the
 * node's {@link SafetyProbe} to one through its client. {@link TestCluster} and
 * {@code NetnsNode} ask through {@link #ask}.
 */
public final class ClusterSafeProbe {
    /** The executor the probe runs on: not the CPUs' own, so it never queues behind their work. */
    static final String EXECUTOR = "openpair.testing";

    private ClusterSafeProbe() {
    }

    /**
     * Whether the member {@code client} sends the probe to reports the cluster safe, within 10 s.
     *
     * @throws IllegalStateException if the call fails or times out (a node in flux), or this
     *                               thread is interrupted
     */
    public static boolean ask(HazelcastInstance client) {
        try {
            return SafetyProbe.submit(client, EXECUTOR).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (Exception e) {
            throw new IllegalStateException("cluster-safe probe failed: " + e, e);
        }
    }
}
