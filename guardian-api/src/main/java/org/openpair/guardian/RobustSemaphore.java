package org.openpair.guardian;

import java.time.Duration;
import java.util.Optional;

/**
 * A node-wide counting semaphore whose permits belong to the process that acquired them, and
 * which survives that process's death. Reached through {@link Guardian#semaphoreCreate} and
 * {@link Guardian#semaphore}; the caller of those is the process that acquires and releases.
 *
 * <h2>Death of a holder</h2>
 * When a holder dies — it returns or abends, is stopped, is killed with {@code kill -9}, or its
 * whole CPU fails — its permits are dealt with by the semaphore's {@link DeathPolicy}: returned
 * at once ({@link DeathPolicy#RELEASE}), kept as an orphan until purged, or handed to the pair's
 * backup. Then the semaphore is {@link Consistency#OWNER_DIED}: every acquirer is told so
 * ({@link Acquisition#ownerDied()}) until one of them calls {@link #markConsistent()}. A holder
 * that was told and lets go of all its permits without marking makes the semaphore
 * {@link Consistency#NOT_RECOVERABLE} for every process: the robust mutex's EOWNERDEAD and
 * ENOTRECOVERABLE, for a semaphore.
 *
 * <h2>Posts are never undone</h2>
 * {@link #release} returns permits the caller holds; {@link #post} adds permits that belong to
 * nobody (a signal, not a loan). Only what a process holds is given back at its death; a post
 * stays. So the System V SEM_UNDO puzzle — A raises the count by 2 with undo, B takes 1, A dies,
 * and the undo of 2 no longer fits — does not arise: A's post of 2 stays, B still holds its 1,
 * one permit is available, and nobody is told an owner died (A held nothing). When B dies, its
 * 1 comes back and the next acquirer is told.
 *
 * <h2>Protected state</h2>
 * A key-value state lives with the semaphore. {@link #state()} reads the last committed value;
 * {@link #update()} collects changes that {@link StateUpdate#commit()} applies at once, only
 * while the caller holds a permit. A holder that dies mid-update leaves the last committed
 * state, never a torn one.
 *
 * <h2>Fairness</h2>
 * Blocking and timed acquires queue in arrival order (first come, first served): an acquirer is
 * granted only when it is first in the queue and enough permits are free, so a large request
 * at the head holds back smaller ones behind it, and nobody starves. {@link #tryAcquire(int)}
 * without a timeout never queues and succeeds only when nobody is queued. Waiters are woken by
 * an event when the semaphore changes, and re-check on their own every second in case an event
 * was lost; a waiter whose process stops re-checking for 3 s (a frozen JVM) loses its place.
 */
public interface RobustSemaphore {

    /** Largest protected state, all keys and values together. */
    int MAX_STATE_BYTES = 1 << 20;

    /** The semaphore's name. */
    String name();

    /**
     * Blocks until {@code permits} permits are the caller's.
     *
     * @throws GuardianException 2 permits &lt; 1, more than the semaphore has, or the caller is not
     *                           a process; 4131 the semaphore is not recoverable; 11 it does not
     *                           exist (or was deleted while waiting); 40 interrupted
     */
    Acquisition acquire(int permits);

    /** Takes {@code permits} permits if they are free now and nobody is queued; never waits. */
    Optional<Acquisition> tryAcquire(int permits);

    /** Waits at most {@code timeout} for {@code permits} permits; empty if they did not come. */
    Optional<Acquisition> tryAcquire(int permits, Duration timeout);

    /**
     * Gives back {@code permits} of the permits the caller holds.
     *
     * @throws GuardianException 2 permits &lt; 1, or more than the caller holds (nothing is
     *                           released then); 4131 not recoverable; 11 no such semaphore
     */
    void release(int permits);

    /**
     * Adds {@code permits} permits that belong to nobody (a V operation by a process that holds
     * nothing): never undone, whatever happens to the caller later.
     *
     * @throws GuardianException 2 permits &lt; 1 or the total would exceed 2^31-1; 11 no such semaphore
     */
    void post(int permits);

    /**
     * Declares the protected state consistent again after an {@link Acquisition#ownerDied()}:
     * pthread_mutex_consistent. A no-op when the semaphore is consistent.
     *
     * @throws GuardianException 2 the caller holds no permit; 4131 not recoverable
     */
    void markConsistent();

    /** What the caller holds now (permits 0 if nothing), with the owner-died flag. */
    Acquisition holding();

    /** The last committed protected state. */
    ProtectedState state();

    /** A new transaction on the protected state; see {@link StateUpdate#commit()}. */
    StateUpdate update();

    /** The semaphore as the operator sees it. */
    SemaphoreInfo info();
}
