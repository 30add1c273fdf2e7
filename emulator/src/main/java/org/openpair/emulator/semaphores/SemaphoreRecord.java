package org.openpair.emulator.semaphores;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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

    /**
     * A state change applied for a process (null: the operator), by the id its caller chose once,
     * and the number it answered. The engine runs an update again on the promoted backup when
     * the primary's member left before answering, though the backup had applied it already: the
     * second run finds its id here and answers the same without applying it twice.
     */
    record Applied(ProcessHandle process, long id, long answer) {
    }

    /**
     * Remembered per process: its last few changes, so that a retry still finds its own while the
     * process's other threads go on. In all: the oldest go first, as every update reads the
     * whole record; a retry follows its first run within a failover, long before 64 others.
     */
    static final int APPLIED_PER_PROCESS = 4;
    static final int APPLIED_MAX = 64;

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
    /** Oldest first. */
    final ArrayList<Applied> applied = new ArrayList<>();

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
                            long stateVersion, int stateBytes, List<Applied> applied) {
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
        this.applied.addAll(applied);
        return this;
    }

    int heldBy(ProcessHandle p) {
        return holders.getOrDefault(p, 0);
    }

    Acquisition holdingOf(ProcessHandle p) {
        return holdingOf(p, heldBy(p));
    }

    /** As {@link #holdingOf(ProcessHandle)}, with the permits an earlier answer gave. */
    Acquisition holdingOf(ProcessHandle p, int permits) {
        boolean died = consistency == Consistency.OWNER_DIED && holders.containsKey(p);
        return new Acquisition(name, permits, died, died ? deadOwners : List.of());
    }

    /** The change {@code id} of {@code p} if it was applied already, else null. */
    Applied appliedBefore(ProcessHandle p, long id) {
        for (Applied a : applied) {
            if (a.id() == id && Objects.equals(a.process(), p)) {
                return a;
            }
        }
        return null;
    }

    /** Remembers an applied change, dropping what the bounds no longer keep. */
    void remember(ProcessHandle p, long id, long answer) {
        int mine = 0;
        for (int i = applied.size() - 1; i >= 0; i--) {
            if (Objects.equals(applied.get(i).process(), p) && ++mine >= APPLIED_PER_PROCESS) {
                applied.remove(i);
            }
        }
        applied.add(new Applied(p, id, answer));
        while (applied.size() > APPLIED_MAX) {
            applied.remove(0);
        }
    }

    /** Drops queued waiters whose lease ran out; true if any was dropped. */
    boolean expireWaiters(long now) {
        return waiters.removeIf(w -> w.leaseUntil() < now);
    }

    /** Whether anything of {@code p} is here: permits, orphans, a queued acquire, changes remembered. */
    boolean involves(ProcessHandle p) {
        return holders.containsKey(p) || orphans.containsKey(p) || informed.contains(p)
                || waiters.stream().anyMatch(w -> p.equals(w.process()))
                || applied.stream().anyMatch(a -> p.equals(a.process()));
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
