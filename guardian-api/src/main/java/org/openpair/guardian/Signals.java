package org.openpair.guardian;

import java.util.Set;

/**
 * A process's signal state and the signal procedures: per signal an action (default, ignore or
 * a handler), a mask of blocked signals, and the set of signals pending because they arrived
 * while blocked. Reached through {@link ProcessContext#signals()}.
 *
 * <p><b>Delivery.</b> A signal whose action is a handler is delivered on the process's
 * <em>signal thread</em>: one thread per process, in the process's own thread group (so its CPU
 * time is the process's, and a stop interrupts it), started at the first handled signal.
 * Java cannot divert a running thread into a handler at an arbitrary instruction, and a hosted
 * program spinning in a loop never reaches a safe point, so delivery at safe points of the
 * program's own threads would never reach the very programs SIGTIMEOUT is for. The race rules
 * that follow:
 * <ul>
 *   <li>Handlers run one at a time, in the order the signals were generated (a signal already
 *       pending is not queued twice, as in POSIX). While a handler runs, its signal is blocked.</li>
 *   <li>A handler runs <em>concurrently</em> with the program's threads: what it shares with
 *       them needs the usual Java synchronisation (a volatile flag is the common case).</li>
 *   <li>The action and mask are read when the signal is delivered, not when it was sent: a
 *       signal sent before {@code sigaction} installs a handler but delivered after it runs
 *       that handler.</li>
 *   <li>Every procedure here changes the state atomically with respect to delivery: a signal is
 *       delivered under either the old or the new state, never a mixture.</li>
 * </ul>
 * A signal whose action is the default and whose default is to terminate ends the process at
 * once, from whatever thread generated it: see {@link ProcessContext#setLoopTimer} for what
 * happens to threads that keep running.
 *
 * <p><b>Errors.</b> EINVAL is error 2 ({@link GuardianError#INVALID_OPERATION}); ERANGE is
 * error 22 ({@link GuardianError#BOUNDS}); a null argument where an object is required is
 * error 2 too (C's EFAULT).
 */
public interface Signals {

    /**
     * {@code sigaction}: sets the action for {@code signal}, returns the previous one.
     *
     * @throws GuardianException 2 the signal is SIGKILL or SIGABEND, or an argument is null
     */
    SignalAction sigaction(Signal signal, SignalAction action);

    /** The current action for {@code signal}. */
    SignalAction action(Signal signal);

    /**
     * {@code sigprocmask(SIG_SETMASK)}: blocks exactly {@code mask} (SIGKILL and SIGABEND are
     * left out silently, as POSIX does), returns the previous mask, then delivers, in order, the
     * pending signals it unblocked.
     */
    Set<Signal> setMask(Set<Signal> mask);

    /** The blocked signals. */
    Set<Signal> mask();

    /** The signals generated while blocked and not yet delivered, in the order they arrived. */
    java.util.List<Signal> pending();

    /** Sends {@code signal} to this process (as {@link Guardian#kill} to oneself). */
    void raise(Signal signal);

    /**
     * SIGACTION_INIT_: installs {@code handler} for every catchable signal whose default is not
     * to ignore, sets those whose default is to ignore to ignore, unblocks every signal and
     * discards the pending ones.
     *
     * @throws GuardianException 2 handler is null
     */
    void sigactionInit(SignalHandler handler);

    /**
     * SIGACTION_SUPPLANT_: saves the whole signal state (every action and the mask) into
     * {@code buffer}, installs {@code handler} for the fault signals ({@link Signal#isFault()})
     * and blocks every other catchable signal, so deferrable signals stay pending until
     * {@link #sigactionRestore}. Meant for a library (a "subsystem") that must not run the
     * application's handlers while it works.
     *
     * @throws GuardianException 2 handler or buffer is null (EFAULT, EINVAL); 22 the buffer is
     *                           shorter than {@link SignalState#SIZE} (ERANGE); 44 the process
     *                           has installed more distinct handlers than a buffer can name
     */
    void sigactionSupplant(SignalHandler handler, SignalState buffer);

    /**
     * SIGACTION_RESTORE_: checks {@code buffer} and puts back the signal state it holds, in one
     * step; then delivers, in the order they arrived, the pending signals the restored mask
     * leaves unblocked. Nothing changes when the buffer is refused.
     *
     * @throws GuardianException 2 (EINVAL) the buffer was never filled, was filled by another
     *                           process, or its contents are corrupt; 22 it is too short
     */
    void sigactionRestore(SignalState buffer);

    /**
     * {@code sigsetjmp}: initialises {@code env} on the calling thread, remembering the current
     * mask if {@code saveMask}, and runs {@code body}. Returns false when {@code body} returns,
     * true when a {@link #siglongjmp} to {@code env} unwound it; in that case the mask the buffer
     * holds (the saved one, or the one {@link #sigjmpMaskset} put there) is restored first, and
     * the pending signals it unblocks are delivered. The buffer is uninitialised again when this
     * returns, as a C jump buffer is useless once its function has returned.
     *
     * <p><b>Why this shape.</b> C's {@code sigsetjmp} returns twice and {@code siglongjmp} may be
     * called from a handler running on the interrupted stack. Java has neither: a method returns
     * once, and a handler here runs on the signal thread, not on the stack to unwind. The nearest
     * honest twin is a bracket around the code a jump may abandon, with the jump an exception
     * ({@link SignalJump.Unwind}, an Error so catch-alls for Exception let it pass). What survives
     * of the C contract is the part about masks, which is SIGJMP_MASKSET_'s reason to exist: the
     * jump leaves the process with the mask recorded in the buffer.
     *
     * @throws GuardianException 2 env or body is null, or env is initialised already (in use by an
     *                           active sigsetjmp)
     */
    boolean sigsetjmp(SignalJump env, boolean saveMask, Runnable body);

    /**
     * {@code siglongjmp}: unwinds to the {@link #sigsetjmp} that initialised {@code env}. Does not
     * return.
     *
     * @throws GuardianException 2 env is not initialised, or the calling thread is not the one
     *                           that called {@code sigsetjmp} (a handler on the signal thread
     *                           cannot unwind another thread: it sets a flag the program checks)
     */
    void siglongjmp(SignalJump env);

    /**
     * SIGJMP_MASKSET_: makes a {@link #siglongjmp} to {@code env} restore {@code mask}; a null
     * mask clears it, so the jump leaves the mask as it finds it.
     *
     * @throws GuardianException 2 (EINVAL) env is not initialised
     */
    void sigjmpMaskset(SignalJump env, Set<Signal> mask);
}
