package org.openpair.emulator.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;

/** {@link Membership} over a Hazelcast member: the member list, its events and its lifecycle. */
public final class EngineMembership implements Membership {
    /** Member attribute carrying the CPU number, so every member and client can map member → CPU. */
    public static final String CPU_ATTRIBUTE = "openpair.cpu";

    private final HazelcastInstance hz;
    /** Made at the first eviction: a client (the command) reads the member list but evicts nobody. */
    private volatile MemberEviction eviction;

    /** Over a member or a client; only a member of this JVM can {@link #evict}. */
    public EngineMembership(HazelcastInstance hz) {
        this.hz = hz;
    }

    @Override
    public UUID localMember() {
        return hz.getCluster().getLocalMember().getUuid();
    }

    @Override
    public List<CpuMember> cpuMembers() {
        List<CpuMember> out = new ArrayList<>();
        for (Member m : hz.getCluster().getMembers()) {
            CpuMember c = cpuMember(m);
            if (c != null) {
                out.add(c);
            }
        }
        return out;
    }

    @Override
    public boolean isMember(UUID member) {
        for (Member m : hz.getCluster().getMembers()) {
            if (m.getUuid().equals(member)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean isRunning() {
        return hz.getLifecycleService().isRunning();
    }

    @Override
    public void onCpuLeft(Consumer<CpuMember> listener) {
        hz.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                // A new member does not hold its CPU number yet: it announces itself once it serves calls.
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                CpuMember c = cpuMember(event.getMember());
                if (c != null) {
                    listener.accept(c);
                }
            }
        });
    }

    @Override
    public void onCpuJoined(Consumer<CpuMember> listener) {
        hz.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                CpuMember c = cpuMember(event.getMember());
                if (c != null) {
                    listener.accept(c);
                }
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                // onCpuLeft's.
            }
        });
    }

    @Override
    public void onMerge(Runnable merging, Runnable merged) {
        hz.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == LifecycleEvent.LifecycleState.MERGING) {
                merging.run();
            } else if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
                merged.run();
            }
        });
    }

    /** @throws IllegalStateException if this is not a running member of this JVM */
    @Override
    public Eviction evict(UUID member, String evidence) {
        MemberEviction e = eviction;
        if (e == null) {
            e = new MemberEviction(hz);
            eviction = e;
        }
        return e.evict(member, evidence);
    }

    private static CpuMember cpuMember(Member m) {
        String cpu = m.getAttribute(CPU_ATTRIBUTE);
        return cpu == null ? null : new CpuMember(Integer.parseInt(cpu), m.getUuid(),
                m.getAddress().getHost() + ":" + m.getAddress().getPort(), m.localMember());
    }
}
