package org.openpair.emulator.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * One member's view of the node, set by a test: which CPUs it sees, and when a CPU leaves or a
 * merge begins. Evictions are recorded, not acted on.
 */
public final class InMemoryMembership implements Membership {
    private volatile UUID self = UUID.randomUUID();
    private final List<CpuMember> members = new CopyOnWriteArrayList<>();
    private final List<Consumer<CpuMember>> leftListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<CpuMember>> joinedListeners = new CopyOnWriteArrayList<>();
    private final List<Runnable[]> mergeListeners = new CopyOnWriteArrayList<>();
    private final List<UUID> evicted = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;

    /** A view of {@code cpus}, the first of which is this member's. */
    public InMemoryMembership(int... cpus) {
        for (int i = 0; i < cpus.length; i++) {
            UUID id = i == 0 ? self : UUID.randomUUID();
            members.add(new CpuMember(cpus[i], id, "127.0.0.1:" + (20000 + cpus[i]), i == 0));
        }
    }

    /** CPU {@code cpu} leaves this member's view; the CPU-left listeners run. */
    public void leave(int cpu) {
        for (CpuMember m : new ArrayList<>(members)) {
            if (m.cpu() == cpu && !m.local()) {
                members.remove(m);
                leftListeners.forEach(l -> l.accept(m));
            }
        }
    }

    /** CPU {@code cpu} joins this member's view; the CPU-joined listeners run. */
    public void join(int cpu) {
        CpuMember m = new CpuMember(cpu, UUID.randomUUID(), "127.0.0.1:" + (20000 + cpu), false);
        members.add(m);
        joinedListeners.forEach(l -> l.accept(m));
    }

    /**
     * CPU {@code m.cpu()} is in this member's view again under the identity it had, as when this
     * member, cut off, merges back into the node the other kept; the CPU-joined listeners run.
     */
    public void rejoin(CpuMember m) {
        CpuMember back = new CpuMember(m.cpu(), m.member(), m.address(), false);
        members.add(back);
        joinedListeners.forEach(l -> l.accept(back));
    }

    /** This member takes a new identity, as the engine gives one to a member that merges back. */
    public void newIdentity() {
        UUID next = UUID.randomUUID();
        for (CpuMember m : new ArrayList<>(members)) {
            if (m.local()) {
                members.set(members.indexOf(m), new CpuMember(m.cpu(), next, m.address(), true));
            }
        }
        self = next;
    }

    /** This member starts merging back into the node (the merging listeners run). */
    public void merge() {
        mergeListeners.forEach(l -> l[0].run());
        mergeListeners.forEach(l -> l[1].run());
    }

    public void stop() {
        running = false;
    }

    public List<UUID> evicted() {
        return List.copyOf(evicted);
    }

    @Override
    public UUID localMember() {
        return self;
    }

    @Override
    public List<CpuMember> cpuMembers() {
        return List.copyOf(members);
    }

    @Override
    public boolean isMember(UUID member) {
        return members.stream().anyMatch(m -> m.member().equals(member));
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public void onCpuLeft(Consumer<CpuMember> listener) {
        leftListeners.add(listener);
    }

    @Override
    public void onCpuJoined(Consumer<CpuMember> listener) {
        joinedListeners.add(listener);
    }

    @Override
    public void onMerge(Runnable merging, Runnable merged) {
        mergeListeners.add(new Runnable[] {merging, merged});
    }

    @Override
    public Eviction evict(UUID member, String evidence) {
        if (!isMember(member) || member.equals(self)) {
            return Eviction.NOT_A_MEMBER;
        }
        evicted.add(member);
        return Eviction.LEFT_TO_MASTER;
    }
}
