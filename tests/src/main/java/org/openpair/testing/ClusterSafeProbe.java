package org.openpair.testing;

import java.io.Serializable;
import java.util.concurrent.Callable;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;

/**
 * Asks a CPU's member whether the cluster is safe: no partition migrating, every backup in
 * sync. Only a member can tell ({@code PartitionService.isClusterSafe}), so the harness ships
 * this task to one through its client; the class is on every CPU JVM's class path because the
 * harness gives them the test's own.
 */
final class ClusterSafeProbe implements Callable<Boolean>, HazelcastInstanceAware, Serializable {
    private static final long serialVersionUID = 1L;
    /** The executor the probe runs on: not the CPUs' own, so it never queues behind their work. */
    static final String EXECUTOR = "openpair.testing";

    private transient HazelcastInstance member;

    @Override
    public void setHazelcastInstance(HazelcastInstance instance) {
        this.member = instance;
    }

    @Override
    public Boolean call() {
        return member.getPartitionService().isClusterSafe();
    }
}
