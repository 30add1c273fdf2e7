package org.openpair.emulator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;

import org.junit.jupiter.api.Test;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.config.NodeConfig;

/**
 * {@link EngineMembership} against real members in one JVM: each member lists the CPUs in
 * the engine's order with itself marked local; the master removes the member it is told of at
 * once (before the engine's own detection could: the evicted member is alive and answers
 * heartbeats) and every member's CPU-left listener hears of it; a member that is not the master
 * leaves a non-master's death to the master and changes nothing; a member that already left,
 * or this member itself, is not acted on.
 */
class EngineMembershipTest {
    private static final Duration BOUND = Duration.ofSeconds(30);

    @Test
    void master_removesTheMemberAtOnce_othersLeaveItToTheMaster_anUnknownMemberIsNotActedOn() {
        NodeConfig node = TestNodes.config(3).build();
        HazelcastInstance h0 = Hazelcast.newHazelcastInstance(TestNodes.memberConfig(node, 0));
        HazelcastInstance h1 = Hazelcast.newHazelcastInstance(TestNodes.memberConfig(node, 1));
        HazelcastInstance h2 = Hazelcast.newHazelcastInstance(TestNodes.memberConfig(node, 2));
        List<HazelcastInstance> all = List.of(h0, h1, h2);
        try {
            TestNodes.await("3 members in every view", BOUND,
                    () -> all.stream().allMatch(h -> h.getCluster().getMembers().size() == 3));
            List<Membership> views = all.stream().map(h -> (Membership) new EngineMembership(h)).toList();
            for (int i = 0; i < 3; i++) {
                Membership m = views.get(i);
                assertThat(m.cpuMembers()).extracting(Membership.CpuMember::cpu).containsExactly(0, 1, 2);
                assertThat(m.cpuMembers()).filteredOn(Membership.CpuMember::local).extracting(Membership.CpuMember::cpu)
                        .containsExactly(i);
                assertThat(m.cpuMembers().get(i).member()).isEqualTo(m.localMember());
            }
            // The first member started is the master.
            Membership master = views.get(0);
            Membership bystander = views.get(1);
            UUID victim = views.get(2).localMember();
            List<Membership.CpuMember> heardByBystander = new CopyOnWriteArrayList<>();
            bystander.onCpuLeft(heardByBystander::add);

            assertThat(bystander.evict(UUID.randomUUID(), "test")).isEqualTo(Membership.Eviction.NOT_A_MEMBER);
            assertThat(bystander.evict(bystander.localMember(), "test")).as("a member never evicts itself")
                    .isEqualTo(Membership.Eviction.NOT_A_MEMBER);
            assertThat(bystander.evict(victim, "test")).isEqualTo(Membership.Eviction.LEFT_TO_MASTER);
            assertThat(bystander.isMember(victim)).isTrue();
            assertThat(master.isMember(victim)).isTrue();

            assertThat(master.evict(victim, "test: kernel evidence")).isEqualTo(Membership.Eviction.REMOVED);
            // The master's own view changes within the call; the others' with the list it publishes.
            assertThat(master.isMember(victim)).isFalse();
            assertThat(master.cpuMembers()).extracting(Membership.CpuMember::cpu).containsExactly(0, 1);
            TestNodes.await("the bystander to hear that CPU 2 left", BOUND, () -> !heardByBystander.isEmpty());
            assertThat(heardByBystander).extracting(Membership.CpuMember::cpu, Membership.CpuMember::member)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(2, victim));
            assertThat(bystander.isMember(victim)).isFalse();
            assertThat(master.evict(victim, "again")).isEqualTo(Membership.Eviction.NOT_A_MEMBER);
        } finally {
            all.forEach(h -> h.getLifecycleService().terminate());
        }
    }
}
