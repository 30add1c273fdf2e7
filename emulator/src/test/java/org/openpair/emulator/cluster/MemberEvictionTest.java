package org.openpair.emulator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;

import org.junit.jupiter.api.Test;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.node.ClusterConfigs;
import org.openpair.emulator.node.NodeConfig;

/**
 * {@link MemberEviction} against real members in one JVM: the master removes the member it is
 * told of at once (before the engine's own detection could: the evicted member is alive and
 * answers heartbeats), a member that is not the master leaves a non-master's death to the
 * master and changes nothing, and a member that already left is not acted on.
 */
class MemberEvictionTest {
    private static final Duration BOUND = Duration.ofSeconds(30);

    @Test
    void master_removesTheMemberAtOnce_othersLeaveItToTheMaster_anUnknownMemberIsNotActedOn() {
        NodeConfig node = TestNodes.config(3).build();
        HazelcastInstance h0 = Hazelcast.newHazelcastInstance(ClusterConfigs.member(node, 0, new ConcurrentHashMap<>()));
        HazelcastInstance h1 = Hazelcast.newHazelcastInstance(ClusterConfigs.member(node, 1, new ConcurrentHashMap<>()));
        HazelcastInstance h2 = Hazelcast.newHazelcastInstance(ClusterConfigs.member(node, 2, new ConcurrentHashMap<>()));
        List<HazelcastInstance> all = List.of(h0, h1, h2);
        try {
            TestNodes.await("3 members in every view", BOUND,
                    () -> all.stream().allMatch(h -> h.getCluster().getMembers().size() == 3));
            HazelcastInstance master = all.stream().filter(MemberEvictionTest::isMaster).findFirst().orElseThrow();
            List<HazelcastInstance> others = all.stream().filter(h -> h != master).toList();
            HazelcastInstance bystander = others.get(0);
            HazelcastInstance victim = others.get(1);
            UUID victimId = victim.getCluster().getLocalMember().getUuid();

            assertThat(new MemberEviction(bystander).evict(UUID.randomUUID(), "test")).isEqualTo(
                    MemberEviction.Action.NOT_A_MEMBER);
            assertThat(new MemberEviction(bystander).evict(bystander.getCluster().getLocalMember().getUuid(), "test"))
                    .as("a member never evicts itself").isEqualTo(MemberEviction.Action.NOT_A_MEMBER);
            assertThat(new MemberEviction(bystander).evict(victimId, "test")).isEqualTo(
                    MemberEviction.Action.LEFT_TO_MASTER);
            assertThat(bystander.getCluster().getMembers()).extracting(Member::getUuid).contains(victimId);
            assertThat(master.getCluster().getMembers()).extracting(Member::getUuid).contains(victimId);

            assertThat(new MemberEviction(master).evict(victimId, "test: kernel evidence")).isEqualTo(
                    MemberEviction.Action.REMOVED);
            // The master's own view changes within the call; the bystander's with the list it publishes.
            assertThat(master.getCluster().getMembers()).extracting(Member::getUuid).doesNotContain(victimId);
            TestNodes.await("the bystander to see the victim removed", BOUND,
                    () -> bystander.getCluster().getMembers().stream().noneMatch(m -> m.getUuid().equals(victimId)));
            assertThat(new MemberEviction(master).evict(victimId, "again")).isEqualTo(
                    MemberEviction.Action.NOT_A_MEMBER);
        } finally {
            all.forEach(h -> h.getLifecycleService().terminate());
        }
    }

    private static boolean isMaster(HazelcastInstance h) {
        return h.getCluster().getMembers().iterator().next().localMember();
    }
}
