package org.openpair.testing;

import java.io.Serializable;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;

/**
 * Asks a CPU's member whether the cluster is safe: no partition migrating, every backup in
 * sync. Only a member can tell ({@code PartitionService.isClusterSafe}), so the harness ships
 * this task to one through its client; the class is on every CPU JVM's class path because the
 * harness gives them the test's own. {@link TestCluster} and {@code NetnsNode} ask through
 * {@link #ask}.
 */
public final class ClusterSafeProbe implements Callable<Boolean>, HazelcastInstanceAware, Serializable {
    private static final long serialVersionUID = 1L;
    /** The executor the probe runs on: not the CPUs' own, so it never queues behind their work. */
    static final String EXECUTOR = "openpair.testing";

    private transient HazelcastInstance member;

    @Override
    public void setHazelcastInstance(HazelcastInstance instance) {
        this.member = instance;
    }

    /**
     * Whether the member {@code client} sends the probe to reports the cluster safe, within 10 s.
     *
     * @throws IllegalStateException if the call fails or times out (a node in flux), or this
     *                               thread is interrupted
     */
    public static boolean ask(HazelcastInstance client) {
        try {
            return client.getExecutorService(EXECUTOR).submit(new ClusterSafeProbe()).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (Exception e) {
            throw new IllegalStateException("cluster-safe probe failed: " + e, e);
        }
    }

    @Override
    public Boolean call() {
        return member.getPartitionService().isClusterSafe();
    }
}
