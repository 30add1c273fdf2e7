package org.openpair.emulator.semaphores;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.openpair.guardian.Acquisition;
import org.openpair.guardian.Consistency;
import org.openpair.guardian.DeathPolicy;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProtectedState;
import org.openpair.guardian.SemaphoreInfo;

/**
 * One robust semaphore as the node stores it: a single entry of the semaphore map, so that
 * every change to permits, holders, the wait queue and the protected state is one entry
 * processor, atomic on the entry's partition and copied to its synchronous backup. Mutable
 * only inside those processors, which get their own deserialized copy. It crosses the engine
 * through {@link SemaphoreCodecs#RECORD}.
 */
final class SemaphoreRecord {
    /** A queued blocking acquire; dropped when its lease (wall-clock millis) runs out. */
    record Waiter(ProcessHandle process, long ticket, int permits, long leaseUntil) {
    }

    final String name;
    final DeathPolicy policy;
    /** Permits given at creation; posts add to {@link #total} only. */
    final int created;
    int total;
    int available;
    Consistency consistency = Consistency.CONSISTENT;
    final LinkedHashMap<ProcessHandle, Integer> holders = new LinkedHashMap<>();
    final LinkedHashMap<ProcessHandle, Integer> orphans = new LinkedHashMap<>();
    final ArrayList<ProcessHandle> deadOwners = new ArrayList<>();
    /** Holders told the owner died: one of them must mark the state consistent. */
    final HashSet<ProcessHandle> informed = new HashSet<>();
    final ArrayList<Waiter> waiters = new ArrayList<>();
    final TreeMap<String, byte[]> state = new TreeMap<>();
    long stateVersion;
    int stateBytes;

    SemaphoreRecord(String name, int permits, DeathPolicy policy) {
        this.name = name;
        this.created = permits;
        this.total = permits;
        this.available = permits;
        this.policy = policy;
    }

    /** The rest of a decoded record: what its processors changed since its creation. */
    SemaphoreRecord restore(int total, int available, Consistency consistency, Map<ProcessHandle, Integer> holders,
                            Map<ProcessHandle, Integer> orphans, List<ProcessHandle> deadOwners,
                            List<ProcessHandle> informed, List<Waiter> waiters, Map<String, byte[]> state,
                            long stateVersion, int stateBytes) {
        this.total = total;
        this.available = available;
        this.consistency = consistency;
        this.holders.putAll(holders);
        this.orphans.putAll(orphans);
        this.deadOwners.addAll(deadOwners);
        this.informed.addAll(informed);
        this.waiters.addAll(waiters);
        this.state.putAll(state);
        this.stateVersion = stateVersion;
        this.stateBytes = stateBytes;
        return this;
    }

    int heldBy(ProcessHandle p) {
        return holders.getOrDefault(p, 0);
    }

    Acquisition holdingOf(ProcessHandle p) {
        boolean died = consistency == Consistency.OWNER_DIED && holders.containsKey(p);
        return new Acquisition(name, heldBy(p), died, died ? deadOwners : List.of());
    }

    /** Drops queued waiters whose lease ran out; true if any was dropped. */
    boolean expireWaiters(long now) {
        return waiters.removeIf(w -> w.leaseUntil() < now);
    }

    /** Whether anything of {@code p} is here: permits, orphans, a queued acquire. */
    boolean involves(ProcessHandle p) {
        return holders.containsKey(p) || orphans.containsKey(p) || informed.contains(p)
                || waiters.stream().anyMatch(w -> w.process().equals(p));
    }

    Set<ProcessHandle> holderSet() {
        return Set.copyOf(holders.keySet());
    }

    ProtectedState protectedState() {
        return new ProtectedState(state, stateVersion);
    }

    SemaphoreInfo info() {
        return new SemaphoreInfo(name, total, available, policy, consistency, Map.copyOf(holders), Map.copyOf(orphans),
                deadOwners, waiters.size(), stateVersion);
    }
}
