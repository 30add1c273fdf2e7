package org.openpair.emulator.chaos;

import java.io.Serializable;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;

/**
 * Asks one CPU's member whether no partition is migrating and every backup is in sync. Only a
 * member can tell, so the run's client ships this task to one; a fault made while partitions
 * still move after a restart would test the engine's migration, not the pairs. The class is on
 * every CPU JVM's class path: they run with the command's own.
 */
final class ClusterSafety implements Callable<Boolean>, HazelcastInstanceAware, Serializable {
    private static final long serialVersionUID = 1L;
    /** Not the CPUs' own executor, so the probe never queues behind their work. */
    private static final String EXECUTOR = "openpair.chaos";

    private transient HazelcastInstance member;

    @Override
    public void setHazelcastInstance(HazelcastInstance instance) {
        this.member = instance;
    }

    /** True if the member the client picks reports the cluster safe within 10 s; false otherwise. */
    static boolean ask(HazelcastInstance client) {
        try {
            return client.getExecutorService(EXECUTOR).submit(new ClusterSafety()).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public Boolean call() {
        return member.getPartitionService().isClusterSafe();
    }
}
