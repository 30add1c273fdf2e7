package org.openpair.testing.netns;

import java.io.Serializable;
import java.util.concurrent.Callable;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;

/**
 * Asks a CPU's member whether the cluster is safe (no migration, backups in sync); shipped to a
 * member through a client. On the CPU JVMs' class path because {@link NetnsNode} gives them the
 * test's own.
 */
final class ClusterSafeCheck implements Callable<Boolean>, HazelcastInstanceAware, Serializable {
    private static final long serialVersionUID = 1L;
    /** Not the CPUs' own executor, so the check never queues behind their work. */
    static final String EXECUTOR = "openpair.testing.netns";

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
