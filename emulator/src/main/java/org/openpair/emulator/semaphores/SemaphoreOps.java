package org.openpair.emulator.semaphores;

import java.util.Map;
import java.util.Set;

import org.openpair.emulator.cluster.Update;

import org.openpair.guardian.Consistency;
import org.openpair.guardian.DeathPolicy;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.RobustSemaphore;

/**
 * The changes to a semaphore entry, each an {@link org.openpair.emulator.cluster.Update}: atomic on the entry's partition,
 * replayed as it is on the backup (every input, the clock included, travels in the processor,
 * so primary and backup compute the same). A processor that changes nothing does not write the
 * entry, so it wakes nobody: waiters re-checking never wake each other in a loop.
 * A change that is not idempotent carries an id its caller chose once (an acquire its ticket) and
 * looks it up first in {@link SemaphoreRecord#applied}: the engine may run it twice.
 */
final class SemaphoreOps {
    private SemaphoreOps() {
    }

    private static Outcome missing(String name) {
        return Outcome.refused(GuardianError.NOT_FOUND, "no semaphore named " + name);
    }

    private static Outcome notRecoverable(SemaphoreRecord r) {
        return Outcome.refused(GuardianError.NOT_RECOVERABLE, "semaphore " + r.name + " is not recoverable: a holder "
                + "that was told its owner died let go without marking the state consistent");
    }

    /** Whether a processor changed the record (and must write it, which wakes the waiters). */
    static final class Changes {
        boolean any;

        void mark() {
            any = true;
        }
    }

    /** Base: a processor on one semaphore entry that may refuse. */
    abstract static class Op implements Update<String, SemaphoreRecord, Outcome> {

        @Override
        public final Outcome apply(Map.Entry<String, SemaphoreRecord> entry) {
            SemaphoreRecord r = entry.getValue();
            if (r == null) {
                return missing(entry.getKey());
            }
            Changes c = new Changes();
            Outcome o = apply(r, c);
            if (c.any) {
                entry.setValue(r);
            }
            return o;
        }

        abstract Outcome apply(SemaphoreRecord r, Changes c);
    }

    /** Creates the entry, or accepts an existing one with the same permits and policy. */
    record Create(String name, int permits, DeathPolicy policy)
            implements Update<String, SemaphoreRecord, Outcome> {
        @Override
        public Outcome apply(Map.Entry<String, SemaphoreRecord> entry) {
            SemaphoreRecord r = entry.getValue();
            if (r == null) {
                entry.setValue(new SemaphoreRecord(name, permits, policy));
                return Outcome.done(1);
            }
            if (r.policy != policy || r.created != permits) {
                return Outcome.refused(GuardianError.IN_USE, "semaphore " + name + " exists with " + r.created
                        + " permits and policy " + r.policy + " (asked: " + permits + ", " + policy + ")");
            }
            return Outcome.done(0);
        }
    }

    /**
     * An acquire attempt. Granted when enough permits are free and the caller is first in the
     * queue (or the queue is empty); otherwise, if {@code queue}, the caller is queued (or its
     * lease renewed when half of it has run out).
     */
    static final class Acquire extends Op {
        final ProcessHandle caller;
        final long ticket;
        final int permits;
        final boolean queue;
        final long now;
        final long leaseMillis;

        Acquire(ProcessHandle caller, long ticket, int permits, boolean queue, long now, long leaseMillis) {
            this.caller = caller;
            this.ticket = ticket;
            this.permits = permits;
            this.queue = queue;
            this.now = now;
            this.leaseMillis = leaseMillis;
        }

        @Override
        Outcome apply(SemaphoreRecord r, Changes c) {
            SemaphoreRecord.Applied before = r.appliedBefore(caller, ticket);
            if (before != null) {
                return Outcome.done(r.holdingOf(caller, (int) before.answer()));
            }
            if (r.expireWaiters(now)) {
                c.mark();
            }
            if (r.consistency == Consistency.NOT_RECOVERABLE) {
                return notRecoverable(r);
            }
            if (permits > r.total) {
                return Outcome.refused(GuardianError.INVALID_OPERATION, "semaphore " + r.name + " has " + r.total
                        + " permits in all: " + permits + " can never be acquired");
            }
            int position = -1;
            for (int i = 0; i < r.waiters.size(); i++) {
                if (r.waiters.get(i).ticket() == ticket) {
                    position = i;
                    break;
                }
            }
            boolean first = position == 0 || (position < 0 && r.waiters.isEmpty());
            if (first && r.available >= permits) {
                if (position == 0) {
                    r.waiters.remove(0);
                }
                r.available -= permits;
                r.holders.merge(caller, permits, Integer::sum);
                if (r.consistency == Consistency.OWNER_DIED) {
                    r.informed.add(caller);
                }
                r.remember(caller, ticket, r.heldBy(caller));
                c.mark();
                return Outcome.done(r.holdingOf(caller));
            }
            if (!queue) {
                return Outcome.WAITING;
            }
            if (position < 0) {
                r.waiters.add(new SemaphoreRecord.Waiter(caller, ticket, permits, now + leaseMillis));
                c.mark();
            } else if (r.waiters.get(position).leaseUntil() - now < leaseMillis / 2) {
                r.waiters.set(position, new SemaphoreRecord.Waiter(caller, ticket, permits, now + leaseMillis));
                c.mark();
            }
            return Outcome.WAITING;
        }
    }

    /** Leaves the queue (a timed acquire gave up, or the waiter was interrupted). */
    record Cancel(long ticket) implements Update<String, SemaphoreRecord, Boolean> {
        @Override
        public Boolean apply(Map.Entry<String, SemaphoreRecord> entry) {
            SemaphoreRecord r = entry.getValue();
            if (r != null && r.waiters.removeIf(w -> w.ticket() == ticket)) {
                entry.setValue(r);
                return true;
            }
            return false;
        }
    }

    /** Returns permits the caller holds. */
    static final class Release extends Op {
        final ProcessHandle caller;
        final long id;
        final int permits;

        Release(ProcessHandle caller, long id, int permits) {
            this.caller = caller;
            this.id = id;
            this.permits = permits;
        }

        @Override
        Outcome apply(SemaphoreRecord r, Changes c) {
            SemaphoreRecord.Applied before = r.appliedBefore(caller, id);
            if (before != null) {
                return Outcome.done(before.answer());
            }
            if (r.consistency == Consistency.NOT_RECOVERABLE) {
                return notRecoverable(r);
            }
            int held = r.heldBy(caller);
            if (permits > held) {
                return Outcome.refused(GuardianError.INVALID_OPERATION, "process " + caller.cpuPin() + " holds " + held
                        + " permit(s) of semaphore " + r.name + ", cannot release " + permits
                        + " (use post to add permits that belong to nobody)");
            }
            if (held == permits) {
                r.holders.remove(caller);
                if (r.consistency == Consistency.OWNER_DIED && r.informed.remove(caller)) {
                    // pthread_mutex_unlock without pthread_mutex_consistent after EOWNERDEAD.
                    r.consistency = Consistency.NOT_RECOVERABLE;
                }
            } else {
                r.holders.put(caller, held - permits);
            }
            r.available += permits;
            r.remember(caller, id, r.heldBy(caller));
            c.mark();
            return Outcome.done(r.heldBy(caller));
        }
    }

    /** Adds permits that belong to nobody. */
    static final class Post extends Op {
        /** Null for the operator. */
        final ProcessHandle caller;
        final long id;
        final int permits;

        Post(ProcessHandle caller, long id, int permits) {
            this.caller = caller;
            this.id = id;
            this.permits = permits;
        }

        @Override
        Outcome apply(SemaphoreRecord r, Changes c) {
            SemaphoreRecord.Applied before = r.appliedBefore(caller, id);
            if (before != null) {
                return Outcome.done(before.answer());
            }
            if ((long) r.total + permits > Integer.MAX_VALUE) {
                return Outcome.refused(GuardianError.INVALID_OPERATION, "semaphore " + r.name + " has " + r.total
                        + " permits: " + permits + " more would exceed " + Integer.MAX_VALUE);
            }
            r.total += permits;
            r.available += permits;
            r.remember(caller, id, r.available);
            c.mark();
            return Outcome.done(r.available);
        }
    }

    /** pthread_mutex_consistent for the semaphore. */
    static final class MarkConsistent extends Op {
        final ProcessHandle caller;

        MarkConsistent(ProcessHandle caller) {
            this.caller = caller;
        }

        @Override
        Outcome apply(SemaphoreRecord r, Changes c) {
            if (r.consistency == Consistency.NOT_RECOVERABLE) {
                return notRecoverable(r);
            }
            if (r.heldBy(caller) == 0) {
                return Outcome.refused(GuardianError.INVALID_OPERATION, "process " + caller.cpuPin()
                        + " holds no permit of semaphore " + r.name + ": only a holder can mark it consistent");
            }
            if (r.consistency == Consistency.OWNER_DIED) {
                r.consistency = Consistency.CONSISTENT;
                r.deadOwners.clear();
                r.informed.clear();
                c.mark();
            }
            return Outcome.done(0);
        }
    }

    /** Applies a transaction on the protected state, only for a holder. */
    static final class Commit extends Op {
        final ProcessHandle caller;
        final long id;
        final Map<String, byte[]> puts;
        final Set<String> removes;

        Commit(ProcessHandle caller, long id, Map<String, byte[]> puts, Set<String> removes) {
            this.caller = caller;
            this.id = id;
            this.puts = puts;
            this.removes = removes;
        }

        @Override
        Outcome apply(SemaphoreRecord r, Changes c) {
            SemaphoreRecord.Applied before = r.appliedBefore(caller, id);
            if (before != null) {
                return Outcome.done(before.answer());
            }
            if (r.consistency == Consistency.NOT_RECOVERABLE) {
                return notRecoverable(r);
            }
            if (r.heldBy(caller) == 0) {
                return Outcome.refused(GuardianError.INVALID_OPERATION, "process " + caller.cpuPin()
                        + " holds no permit of semaphore " + r.name + ": nothing was committed");
            }
            long size = r.stateBytes;
            for (String k : removes) {
                byte[] old = r.state.get(k);
                size -= old == null ? 0 : k.length() + old.length;
            }
            for (Map.Entry<String, byte[]> e : puts.entrySet()) {
                byte[] old = r.state.get(e.getKey());
                size += e.getKey().length() + e.getValue().length - (old == null ? 0 : e.getKey().length() + old.length);
            }
            if (size > RobustSemaphore.MAX_STATE_BYTES) {
                return Outcome.refused(GuardianError.BOUNDS, "the state of semaphore " + r.name + " would be " + size
                        + " bytes, more than " + RobustSemaphore.MAX_STATE_BYTES + ": nothing was committed");
            }
            removes.forEach(r.state::remove);
            r.state.putAll(puts);
            r.stateBytes = (int) size;
            r.stateVersion++;
            r.remember(caller, id, r.stateVersion);
            c.mark();
            return Outcome.done(r.stateVersion);
        }
    }

    /**
     * A process died: what it held goes as the policy says, its queued acquires go, and the
     * semaphore is marked OWNER_DIED if it held permits. {@code partner} is the live pair
     * member that takes over from it, or null. Idempotent: a second run finds nothing of it.
     */
    static final class HolderDied extends Op {
        /** The message of an outcome whose number is permits the death orphaned (ORPHAN policy). */
        static final String ORPHANED = "orphaned";
        final ProcessHandle dead;
        final ProcessHandle partner;

        HolderDied(ProcessHandle dead, ProcessHandle partner) {
            this.dead = dead;
            this.partner = partner;
        }

        @Override
        Outcome apply(SemaphoreRecord r, Changes c) {
            if (!r.involves(dead)) {
                return Outcome.done(0);
            }
            r.waiters.removeIf(w -> dead.equals(w.process()));
            r.applied.removeIf(a -> dead.equals(a.process()));
            boolean wasInformed = r.informed.remove(dead);
            Integer held = r.holders.remove(dead);
            if (held != null) {
                switch (r.policy) {
                    case ORPHAN -> r.orphans.merge(dead, held, Integer::sum);
                    case HANDOVER -> {
                        if (partner != null && !partner.equals(dead)) {
                            r.holders.merge(partner, held, Integer::sum);
                            ownerDied(r, dead);
                            r.informed.add(partner);
                        } else {
                            r.available += held;
                            ownerDied(r, dead);
                        }
                    }
                    default -> {
                        r.available += held;
                        ownerDied(r, dead);
                    }
                }
            } else if (wasInformed && r.consistency == Consistency.OWNER_DIED) {
                r.deadOwners.add(dead);
            }
            c.mark();
            if (held != null && r.policy == DeathPolicy.ORPHAN) {
                return new Outcome(Outcome.Kind.DONE, 0, ORPHANED, null, held);
            }
            return Outcome.done(held == null ? 0 : held);
        }
    }

    static void ownerDied(SemaphoreRecord r, ProcessHandle dead) {
        if (r.consistency != Consistency.NOT_RECOVERABLE) {
            r.consistency = Consistency.OWNER_DIED;
            if (!r.deadOwners.contains(dead)) {
                r.deadOwners.add(dead);
            }
        }
    }

    /** Returns orphaned permits; the next acquirer is told their owner died. */
    static final class Purge extends Op {

        @Override
        Outcome apply(SemaphoreRecord r, Changes c) {
            int purged = 0;
            for (Map.Entry<ProcessHandle, Integer> e : r.orphans.entrySet()) {
                purged += e.getValue();
                ownerDied(r, e.getKey());
            }
            if (purged > 0 || !r.orphans.isEmpty()) {
                r.orphans.clear();
                r.available += purged;
                c.mark();
            }
            return Outcome.done(purged);
        }
    }
}
