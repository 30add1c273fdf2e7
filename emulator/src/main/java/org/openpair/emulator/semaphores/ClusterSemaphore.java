package org.openpair.emulator.semaphores;

import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.Acquisition;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProtectedState;
import org.openpair.guardian.RobustSemaphore;
import org.openpair.guardian.SemaphoreInfo;
import org.openpair.guardian.StateUpdate;
import org.openpair.guardian.Termination;

/**
 * A {@link RobustSemaphore} for one calling process: every operation is one table update on
 * the semaphore's entry, so an uncontended acquire and a release are one round trip each and
 * send no event (nobody listens to an entry without waiters: {@link Wakeups}). A blocking acquire
 * that is queued starts listening to the entry, tries again, then sleeps until the entry changes
 * (an event to the waiting JVMs only) or {@link #recheckNanos} pass, and tries again; on a
 * re-check without an event it also looks up whether a holder has died unnoticed and applies
 * that death itself.
 */
final class ClusterSemaphore implements RobustSemaphore {
    /** How long a new primary waits for its former partner's death to be recorded. */
    private static final Duration PARTNER_DEATH_BOUND = Duration.ofSeconds(5);
    /**
     * Re-check interval of a waiter that heard no event: the fallback for a change the engine
     * could not announce (a partition's owner lost before its event left) and for a holder whose
     * death was never applied. Tests lengthen it to prove that waiters are woken by events alone.
     */
    static volatile long recheckNanos = TimeUnit.SECONDS.toNanos(1);
    /** A queued waiter that has not re-checked for this long loses its place. */
    static final long LEASE_MILLIS = 3000;

    private final Semaphores semaphores;
    private final String name;
    /** Set once this handle has seen its caller's CPU in the holder index: then acquires skip the check. */
    private volatile boolean indexed;

    ClusterSemaphore(Semaphores semaphores, String name) {
        this.semaphores = semaphores;
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    private ProcessHandle caller(String what) {
        if (semaphores.caller == null) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "the operator is not a process and cannot "
                    + what + " semaphore " + name);
        }
        return semaphores.caller;
    }

    private Outcome run(SemaphoreOps.Op op) {
        return semaphores.map().update(name, op).orThrow();
    }

    /**
     * Puts (caller's CPU, semaphore) in the holder index once per JVM, before the first attempt.
     * The index only grows, so once done for this handle (whose caller never changes) every later
     * acquire skips it: no key to build, no lookup.
     */
    private void indexed(ProcessHandle caller, Wakeups w) {
        if (indexed) {
            return;
        }
        String key = caller.cpu() + "/" + name;
        if (!w.indexed.contains(key)) {
            semaphores.index().put(caller.cpu(), name);
            w.indexed.add(key);
        }
        indexed = true;
    }

    @Override
    public Acquisition acquire(int permits) {
        return acquire(permits, Long.MAX_VALUE, true).orElseThrow();
    }

    @Override
    public Optional<Acquisition> tryAcquire(int permits) {
        return acquire(permits, 0, false);
    }

    @Override
    public Optional<Acquisition> tryAcquire(int permits, Duration timeout) {
        if (timeout == null || timeout.isNegative()) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "timeout must be zero or positive: " + timeout);
        }
        long nanos = timeout.compareTo(Duration.ofDays(365)) > 0 ? Long.MAX_VALUE : timeout.toNanos();
        return acquire(permits, nanos, nanos > 0);
    }

    private Optional<Acquisition> acquire(int permits, long timeoutNanos, boolean queue) {
        Semaphores.checkPermits(permits);
        ProcessHandle caller = caller("acquire");
        Wakeups wakeups = Wakeups.of(semaphores.tables.engine());
        indexed(caller, wakeups);
        long ticket = opId();
        long start = System.nanoTime();
        long lastCheck = start;
        boolean listening = false;
        try {
            while (true) {
                long seen = wakeups.version(name);
                Outcome o = run(new SemaphoreOps.Acquire(caller, ticket, permits, queue, System.currentTimeMillis(),
                        LEASE_MILLIS));
                if (o.kind() == Outcome.Kind.DONE) {
                    semaphores.metrics.semaphoreAcquired(System.nanoTime() - start);
                    return Optional.of(o.acquisition());
                }
                if (!queue) {
                    return Optional.empty();
                }
                long elapsed = System.nanoTime() - start;
                if ((timeoutNanos != Long.MAX_VALUE && elapsed >= timeoutNanos)) {
                    cancel(ticket);
                    return Optional.empty();
                }
                if (!listening) {
                    // Queued: from now on a change of the entry wakes this JVM. The change may have
                    // come before the registration, so the next attempt runs before any sleep.
                    wakeups.enter(name);
                    listening = true;
                    continue;
                }
                long left = timeoutNanos == Long.MAX_VALUE ? Long.MAX_VALUE : timeoutNanos - elapsed;
                try {
                    wakeups.await(name, seen, Math.min(left, recheckNanos));
                } catch (InterruptedException e) {
                    cancel(ticket);
                    Thread.currentThread().interrupt();
                    throw new GuardianException(GuardianError.TIMED_OUT, "interrupted while waiting for semaphore " + name);
                }
                if (System.nanoTime() - lastCheck >= recheckNanos) {
                    lastCheck = System.nanoTime();
                    reapDeadHolders();
                }
            }
        } finally {
            if (listening) {
                wakeups.leave(name);
            }
        }
    }

    /** An operation's id, chosen once per call so that a retry by the engine is known for one. */
    private static long opId() {
        return ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    }

    private void cancel(long ticket) {
        semaphores.map().update(name, new SemaphoreOps.Cancel(ticket));
    }

    private void awaitRecordedDeathOfFormerPartner(ProcessHandle caller) {
        SemaphoreRecord r = semaphores.map().get(name);
        ProcessInfo self = semaphores.tables.processes().get(NodeTables.processKey(caller));
        if (r == null || self == null || self.name() == null) {
            return;
        }
        NameEntry entry = semaphores.tables.names().get(self.name().toString());
        if (entry == null || !caller.equals(entry.primary())) {
            return;
        }
        for (ProcessHandle h : r.holders.keySet()) {
            if (h.equals(caller) || entry.holds(h)) {
                continue;
            }
            ProcessInfo former = semaphores.tables.processes().get(NodeTables.processKey(h));
            if (former == null || !former.handle().equals(h) || !self.name().equals(former.name())) {
                continue;
            }
            long deadline = System.nanoTime() + PARTNER_DEATH_BOUND.toNanos();
            while (semaphores.tables.terminations().get(NodeTables.terminationKey(h)) == null
                    && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            }
        }
    }

    /** The fallback for a death event that never came: holders whose death is recorded are reaped here. */
    private void reapDeadHolders() {
        SemaphoreRecord r = semaphores.map().get(name);
        if (r == null) {
            throw Semaphores.noSuch(name);
        }
        Set<ProcessHandle> suspects = new HashSet<>(r.holders.keySet());
        r.waiters.forEach(w -> suspects.add(w.process()));
        for (ProcessHandle h : suspects) {
            Termination t = semaphores.tables.terminations().get(NodeTables.terminationKey(h));
            if (t != null) {
                HolderDeaths.apply(semaphores.tables, t, semaphores.caller == null ? -1 : semaphores.caller.cpu());
            }
        }
    }

    @Override
    public void release(int permits) {
        Semaphores.checkPermits(permits);
        run(new SemaphoreOps.Release(caller("release"), opId(), permits));
    }

    @Override
    public void post(int permits) {
        Semaphores.checkPermits(permits);
        run(new SemaphoreOps.Post(semaphores.caller, opId(), permits));
    }

    @Override
    public void markConsistent() {
        run(new SemaphoreOps.MarkConsistent(caller("mark")));
    }

    /**
     * Applies first any holder death already recorded: a backup promoted after its primary's
     * death asks right after its takeover, and the death record reaches the reaper on its own
     * event, maybe later. The name is moved before the death is recorded (a takeover's critical
     * path), so a holder of the caller's own pair that the name no longer holds is waited for
     * until its death is on record (bounded: it follows within milliseconds).
     */
    @Override
    public Acquisition holding() {
        ProcessHandle caller = caller("hold");
        awaitRecordedDeathOfFormerPartner(caller);
        reapDeadHolders();
        SemaphoreRecord r = semaphores.map().get(name);
        if (r == null) {
            throw Semaphores.noSuch(name);
        }
        return r.holdingOf(caller);
    }

    @Override
    public ProtectedState state() {
        SemaphoreRecord r = semaphores.map().get(name);
        if (r == null) {
            throw Semaphores.noSuch(name);
        }
        return r.protectedState();
    }

    @Override
    public StateUpdate update() {
        ProcessHandle caller = caller("update the state of");
        return new StateUpdate() {
            private final Map<String, byte[]> puts = new LinkedHashMap<>();
            private final Set<String> removes = new HashSet<>();
            private boolean done;

            @Override
            public StateUpdate put(String key, byte[] value) {
                requireOpen();
                if (key == null || value == null) {
                    throw new GuardianException(GuardianError.INVALID_OPERATION, "state keys and values may not be null");
                }
                removes.remove(key);
                puts.put(key, value.clone());
                return this;
            }

            @Override
            public StateUpdate remove(String key) {
                requireOpen();
                puts.remove(key);
                removes.add(key);
                return this;
            }

            @Override
            public long commit() {
                requireOpen();
                done = true;
                return run(new SemaphoreOps.Commit(caller, opId(), puts, removes)).number();
            }

            private void requireOpen() {
                if (done) {
                    throw new IllegalStateException("this update of semaphore " + name + " was committed already");
                }
            }
        };
    }

    @Override
    public SemaphoreInfo info() {
        SemaphoreRecord r = semaphores.map().get(name);
        if (r == null) {
            throw Semaphores.noSuch(name);
        }
        return r.info();
    }

    @Override
    public String toString() {
        return "RobustSemaphore[" + name + " as " + semaphores.caller + "]";
    }
}
