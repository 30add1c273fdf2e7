package org.openpair.emulator.signals;

import static org.openpair.emulator.signals.SignalSets.CATCHABLE;
import static org.openpair.emulator.signals.SignalSets.FAULTS;
import static org.openpair.emulator.signals.SignalSets.bit;
import static org.openpair.emulator.signals.SignalSets.bits;
import static org.openpair.emulator.signals.SignalSets.set;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;

import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.Signal;
import org.openpair.guardian.SignalAction;
import org.openpair.guardian.SignalHandler;
import org.openpair.guardian.SignalJump;
import org.openpair.guardian.SignalState;
import org.openpair.guardian.Signals;

/**
 * One process's signal state (an action per signal, the mask, the pending signals) and
 * its delivery. Every change and every delivery decision happens under this object's lock, so a
 * signal meets either the old or the new state. Caught signals go, in generation order, to the
 * process's signal thread (created lazily in the process's thread group), which re-reads action
 * and mask when it takes each one; default actions that terminate call {@link Owner#terminate}
 * on the generating thread at once, which is what lets SIGTIMEOUT end a process whose own
 * threads never look up from a spin loop.
 *
 * <p>A hosted process's instance lives on its CPU; a Java OS process's lives in its own JVM
 * ({@code attach.RemoteContext}), where its handlers run and to which the CPU routes its signals.
 *
 * <p>A signal is queued at most once, whether pending (blocked) or on its way to the handler
 * thread, as a POSIX non-realtime signal is.
 *
 * <p>Its helpers: {@link SignalSets} (a signal set as bits), {@link SignalJumps} (sigsetjmp and
 * siglongjmp) and {@link SignalStateCodec} (the SIGACTION_SUPPLANT_ buffer).
 */
public final class ProcessSignals implements Signals {
    private static final System.Logger LOG = System.getLogger(ProcessSignals.class.getName());
    private static final Signal[] SIGNALS = Signal.values();

    /** What the signal state needs from its process. */
    public interface Owner {
        ProcessHandle handle();

        /** The process's thread group, where its signal thread runs. */
        ThreadGroup threadGroup();

        /** The default action of {@code signal} ends the process; {@code sender} is null for the system. */
        void terminate(Signal signal, ProcessHandle sender);

        /** A line in the process's log. */
        void log(String line);
    }

    private final Owner owner;
    private final SignalStateCodec codec;
    private final SignalAction[] actions = new SignalAction[SIGNALS.length];
    private long mask;
    /** Blocked signals, in arrival order; {@link #pendingBits} mirrors it. */
    private final ArrayDeque<Signal> pending = new ArrayDeque<>();
    private long pendingBits;
    /** Signals handed to the signal thread and not yet taken by it. */
    private long queuedBits;
    private final LinkedBlockingQueue<Signal> deliveries = new LinkedBlockingQueue<>();
    private Thread signalThread;
    private boolean closed;
    private final SignalJumps jumps = new SignalJumps(this);

    public ProcessSignals(Owner owner) {
        this.owner = owner;
        this.codec = new SignalStateCodec(owner.handle(), ThreadLocalRandom.current().nextLong());
        java.util.Arrays.fill(actions, SignalAction.defaultAction());
    }

    private static GuardianException einval(String message) {
        return new GuardianException(GuardianError.INVALID_OPERATION, message);
    }

    // ---- generation and delivery ------------------------------------------------------------

    /** Generates {@code signal} for this process; {@code sender} is null when the system sends it. */
    public void send(Signal signal, ProcessHandle sender) {
        if (signal == null) {
            throw einval("no signal given");
        }
        boolean terminate;
        synchronized (this) {
            if (closed) {
                return;
            }
            if ((mask & bit(signal)) != 0) {
                if ((pendingBits & bit(signal)) == 0) {
                    pendingBits |= bit(signal);
                    pending.add(signal);
                }
                return;
            }
            terminate = dispatch(signal);
        }
        if (terminate) {
            owner.terminate(signal, sender);
        }
    }

    /** Acts on an unblocked signal under the lock; true when its default action ends the process. */
    private boolean dispatch(Signal signal) {
        SignalAction action = actions[signal.ordinal()];
        if (action instanceof SignalAction.Catch) {
            if ((queuedBits & bit(signal)) == 0) {
                queuedBits |= bit(signal);
                deliveries.add(signal);
                startSignalThread();
            }
            return false;
        }
        return action instanceof SignalAction.Default && signal.defaultAction() == Signal.Default.TERMINATE;
    }

    /** Dispatches, in arrival order, the pending signals {@link #mask} no longer blocks; the lock is held. */
    private Signal releaseUnblocked() {
        Signal terminating = null;
        for (var it = pending.iterator(); it.hasNext(); ) {
            Signal s = it.next();
            if ((mask & bit(s)) == 0) {
                it.remove();
                pendingBits &= ~bit(s);
                if (dispatch(s) && terminating == null) {
                    terminating = s;
                }
            }
        }
        return terminating;
    }

    private void afterRelease(Signal terminating) {
        if (terminating != null) {
            owner.terminate(terminating, null);
        }
    }

    private void startSignalThread() {
        if (signalThread == null) {
            signalThread = new Thread(owner.threadGroup(), this::deliverLoop, owner.threadGroup().getName() + " signals");
            signalThread.setDaemon(true);
            signalThread.start();
        }
    }

    private void deliverLoop() {
        while (true) {
            Signal s;
            try {
                s = deliveries.take();
            } catch (InterruptedException e) {
                // A stop interrupts the process's group: this thread ends with it.
                return;
            }
            SignalHandler handler = null;
            boolean terminate = false;
            long added = 0;
            synchronized (this) {
                if (closed) {
                    return;
                }
                queuedBits &= ~bit(s);
                if ((mask & bit(s)) != 0) {
                    if ((pendingBits & bit(s)) == 0) {
                        pendingBits |= bit(s);
                        pending.add(s);
                    }
                    continue;
                }
                SignalAction action = actions[s.ordinal()];
                if (action instanceof SignalAction.Catch c) {
                    handler = c.handler();
                    added = bit(s) & ~mask;
                    mask |= added;
                } else {
                    terminate = action instanceof SignalAction.Default && s.defaultAction() == Signal.Default.TERMINATE;
                }
            }
            if (terminate) {
                try {
                    owner.terminate(s, null);
                } catch (Error unwinding) {
                    // The process ended: this thread is one of its own and ends with it.
                }
                return;
            }
            if (handler != null) {
                runHandler(handler, s);
                Signal terminating;
                synchronized (this) {
                    mask &= ~added;
                    terminating = releaseUnblocked();
                }
                afterRelease(terminating);
            }
        }
    }

    private void runHandler(SignalHandler handler, Signal s) {
        try {
            handler.handle(s);
        } catch (SignalJump.Unwind u) {
            owner.log("a " + s + " handler called siglongjmp on the signal thread; ignored");
        } catch (RuntimeException | Error e) {
            if (e instanceof ThreadDeath) {
                throw (ThreadDeath) e;
            }
            owner.log("the " + s + " handler threw " + e);
            LOG.log(System.Logger.Level.DEBUG, "{0}: {1} handler threw", owner.handle(), s, e);
        }
    }

    /** The process ended: nothing more is delivered, and the signal thread ends. */
    public void close() {
        Thread t;
        synchronized (this) {
            closed = true;
            deliveries.clear();
            t = signalThread;
        }
        if (t != null && t != Thread.currentThread()) {
            t.interrupt();
        }
    }

    // ---- Signals ----------------------------------------------------------------------------

    @Override
    public SignalAction sigaction(Signal signal, SignalAction action) {
        if (signal == null || action == null) {
            throw einval("sigaction needs a signal and an action");
        }
        if (!signal.isCatchable()) {
            throw einval(signal + "'s action cannot be changed");
        }
        synchronized (this) {
            SignalAction old = actions[signal.ordinal()];
            actions[signal.ordinal()] = action;
            return old;
        }
    }

    @Override
    public synchronized SignalAction action(Signal signal) {
        if (signal == null) {
            throw einval("no signal given");
        }
        return actions[signal.ordinal()];
    }

    @Override
    public Set<Signal> setMask(Set<Signal> newMask) {
        if (newMask == null) {
            throw einval("no mask given");
        }
        long old;
        Signal terminating;
        synchronized (this) {
            old = mask;
            mask = bits(newMask) & CATCHABLE;
            terminating = releaseUnblocked();
        }
        afterRelease(terminating);
        return set(old);
    }

    @Override
    public synchronized Set<Signal> mask() {
        return set(mask);
    }

    @Override
    public synchronized List<Signal> pending() {
        return List.copyOf(new ArrayList<>(pending));
    }

    @Override
    public void raise(Signal signal) {
        send(signal, owner.handle());
    }

    @Override
    public void sigactionInit(SignalHandler handler) {
        if (handler == null) {
            throw einval("SIGACTION_INIT_ needs a handler");
        }
        synchronized (this) {
            SignalAction catchIt = SignalAction.handler(handler);
            for (Signal s : SIGNALS) {
                if (s.isCatchable()) {
                    actions[s.ordinal()] = s.defaultAction() == Signal.Default.IGNORE ? SignalAction.ignore() : catchIt;
                }
            }
            mask = 0;
            pending.clear();
            pendingBits = 0;
        }
    }

    @Override
    public void sigactionSupplant(SignalHandler handler, SignalState buffer) {
        if (handler == null) {
            throw einval("SIGACTION_SUPPLANT_ needs a handler (EINVAL)");
        }
        SignalStateCodec.checkWritable(buffer);
        synchronized (this) {
            codec.write(buffer, actions, mask);
            SignalAction catchIt = SignalAction.handler(handler);
            for (Signal s : SIGNALS) {
                if (s.isFault()) {
                    actions[s.ordinal()] = catchIt;
                }
            }
            mask = CATCHABLE & ~FAULTS;
        }
    }

    @Override
    public void sigactionRestore(SignalState buffer) {
        Signal terminating;
        synchronized (this) {
            SignalStateCodec.Saved saved = codec.read(buffer);
            System.arraycopy(saved.actions(), 0, actions, 0, actions.length);
            mask = saved.mask();
            terminating = releaseUnblocked();
        }
        afterRelease(terminating);
    }

    // ---- jumps, run by SignalJumps --------------------------------------------------------

    /** The mask as bits; the caller holds this object's lock. */
    long maskBits() {
        return mask;
    }

    @Override
    public boolean sigsetjmp(SignalJump env, boolean saveMask, Runnable body) {
        return jumps.sigsetjmp(env, saveMask, body);
    }

    @Override
    public void siglongjmp(SignalJump env) {
        jumps.siglongjmp(env);
    }

    @Override
    public void sigjmpMaskset(SignalJump env, Set<Signal> newMask) {
        jumps.sigjmpMaskset(env, newMask);
    }
}
