package org.openpair.emulator.cluster;

import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The engine's member list as the CPUs need it: which member carries which CPU number, when
 * one of them leaves this member's view, when that view is replaced by a merge after a split,
 * and the one way to hand the engine a death this CPU has proof of. No engine type crosses it.
 *
 * <p>Everything here is this member's own view, answered locally: no call waits on another CPU.
 * Listeners run on the engine's threads and must only hand work to threads of their own.
 */
public interface Membership {
    /** A member that carries a CPU number, as this member sees it; {@code address} is host:port. */
    record CpuMember(int cpu, UUID member, String address, boolean local) {
    }

    /** What handing the engine a death did ({@link #evict}). */
    enum Eviction {
        /** This member is the master: the dead member is removed from the node now. */
        REMOVED,
        /** The dead member was the master: this member suspects it, and the next in line claims mastership. */
        MASTER_SUSPECTED,
        /** Neither is the master: the master acts on its own evidence. */
        LEFT_TO_MASTER,
        /** The member is not in this member's view (it had left, or it is this member). */
        NOT_A_MEMBER
    }

    /** This member's identity; a member merged back after a split comes back with a new one. */
    UUID localMember();

    /** The members that carry a CPU number, this one included, in the engine's order (the oldest first). */
    List<CpuMember> cpuMembers();

    /** Whether {@code member} is in this member's view. */
    boolean isMember(UUID member);

    /** False once this member has left the node or was terminated. */
    boolean isRunning();

    /** Runs {@code listener} each time a member carrying a CPU number leaves this member's view. */
    void onCpuLeft(Consumer<CpuMember> listener);

    /**
     * Runs {@code listener} each time a member carrying a CPU number joins this member's view
     * (before it holds its number: what it may change is not known yet).
     */
    void onCpuJoined(Consumer<CpuMember> listener);

    /**
     * Runs {@code merging} when this member, cut off from the node, starts merging back into it
     * (its view and whatever it wrote alone are about to be replaced), and {@code merged} once
     * it is a member again, under a new identity.
     */
    void onMerge(Runnable merging, Runnable merged);

    /**
     * Tells the engine that {@code member} is dead, for {@code evidence}. Only for proof, such as
     * the kernel's refusal of a dead JVM's port: the engine acts on it without a second opinion,
     * so silence must never come here.
     */
    Eviction evict(UUID member, String evidence);
}
