package org.openpair.emulator.cluster;

import java.util.UUID;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.impl.HazelcastInstanceImpl;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.internal.cluster.impl.ClusterServiceImpl;

/**
 * Hands the engine a CPU's death that this CPU has proof of, so the engine's membership changes
 * at once instead of after its own detection (a third of a second for a killed JVM, the
 * heartbeat timeout for a hung one).
 *
 * <p>Why through the engine and not around it: the tables that say who is primary are
 * partitioned, and about one partition in N lives first on the dead member. Until the engine
 * removes that member and promotes those partitions' backups, no write to them can finish, so
 * a backup could not take its pair's name over however early it knew. Removing the member is
 * what lets every later step run at the speed of a table write.
 *
 * <p>Only the proof that the caller holds goes in here (the kernel's: the peer's connection ended
 * and its port refused a new one); silence must never reach this class, since the engine acts on
 * it without a second opinion. The engine's master removes a member it is told of at once. A
 * member that is not the master acts only when the dead member is the master: it then stops
 * trusting it, so that the next member in line may claim mastership and the others accept the
 * claim. A dead member that is neither is left to the master, which watches every CPU too.
 *
 * <p>This uses the engine's internal cluster service (the call its own connection monitor makes
 * after repeated connection faults), the one place the runtime reaches below Hazelcast's public
 * API; a Hazelcast upgrade must keep {@link #evict} covered by {@code EngineMembershipTest}.
 */
final class MemberEviction {
    private final HazelcastInstance hz;
    /** Looked up once: an eviction runs the moment a CPU dies, and should find its way warm. */
    private final ClusterServiceImpl cluster;

    /** @throws IllegalStateException if {@code hz} is not a running member of this JVM */
    MemberEviction(HazelcastInstance hz) {
        this.hz = hz;
        this.cluster = clusterService(hz);
    }

    /**
     * Tells the engine that member {@code uuid} is dead, for {@code evidence} (logged by the engine).
     */
    Membership.Eviction evict(UUID uuid, String evidence) {
        Member dead = null;
        for (Member m : hz.getCluster().getMembers()) {
            if (m.getUuid().equals(uuid)) {
                dead = m;
            }
        }
        if (dead == null || dead.localMember()) {
            return Membership.Eviction.NOT_A_MEMBER;
        }
        if (cluster.isMaster()) {
            cluster.suspectMember(dead, evidence, true);
            return Membership.Eviction.REMOVED;
        }
        if (dead.getAddress().equals(cluster.getMasterAddress())) {
            cluster.suspectMember(dead, evidence, true);
            return Membership.Eviction.MASTER_SUSPECTED;
        }
        return Membership.Eviction.LEFT_TO_MASTER;
    }

    private static ClusterServiceImpl clusterService(HazelcastInstance hz) {
        HazelcastInstanceImpl impl = hz instanceof HazelcastInstanceProxy proxy ? proxy.getOriginal()
                : hz instanceof HazelcastInstanceImpl direct ? direct : null;
        if (impl == null) {
            throw new IllegalStateException("not a Hazelcast member of this JVM: " + hz.getClass().getName());
        }
        return impl.node.getClusterService();
    }
}
