package org.openpair.emulator.cluster;

import java.util.concurrent.Callable;
import java.util.concurrent.Future;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;

import org.openpair.emulator.codec.Codec;

/**
 * Asks one member whether no partition is migrating and every backup is in sync
 * ({@code PartitionService.isClusterSafe}). Only a member can tell, so a client (the chaos run,
 * the test harness) ships this task to one, on an executor of its own so that it never queues
 * behind the CPUs' work. It has no fields: its type id is the whole message.
 */
public final class SafetyProbe implements Callable<Boolean>, HazelcastInstanceAware {
    static final Codec<SafetyProbe> CODEC = Codec.of(601, SafetyProbe.class, (out, p) -> {
    }, in -> new SafetyProbe());

    private HazelcastInstance member;

    /** Sends the probe through {@code client} to a member it picks, on {@code executor}. */
    public static Future<Boolean> submit(HazelcastInstance client, String executor) {
        return client.getExecutorService(executor).submit(new SafetyProbe());
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance instance) {
        this.member = instance;
    }

    @Override
    public Boolean call() {
        return member.getPartitionService().isClusterSafe();
    }
}
