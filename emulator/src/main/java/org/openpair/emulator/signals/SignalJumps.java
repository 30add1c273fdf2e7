package org.openpair.emulator.signals;

import java.util.Set;

import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.Signal;
import org.openpair.guardian.SignalJump;

/**
 * sigsetjmp, siglongjmp and SIGJMP_MASKSET_ for one process: a jump is an exception that
 * unwinds to the sigsetjmp on the same thread, which then puts back the mask it saved. A jump
 * buffer is bound to its frame only while that sigsetjmp runs, so a stale or foreign buffer is
 * refused (EINVAL) instead of unwinding somewhere unexpected.
 */
final class SignalJumps {
    private final ProcessSignals signals;

    SignalJumps(ProcessSignals signals) {
        this.signals = signals;
    }

    /** An active sigsetjmp: its thread and the mask a jump restores ({@code NO_MASK}: none). */
    private static final class Frame {
        static final long NO_MASK = -1;
        final ProcessSignals signals;
        final Thread thread;
        volatile long mask;
        volatile boolean active = true;

        Frame(ProcessSignals signals, Thread thread, long mask) {
            this.signals = signals;
            this.thread = thread;
            this.mask = mask;
        }
    }

    private static GuardianException einval(String message) {
        return new GuardianException(GuardianError.INVALID_OPERATION, message);
    }

    private Frame activeFrame(SignalJump env) {
        if (env == null) {
            throw einval("no jump buffer given (EINVAL)");
        }
        if (env.boundFrame() instanceof Frame f && f.signals == signals && f.active) {
            return f;
        }
        throw einval("the jump buffer is not initialised by an active sigsetjmp of this process (EINVAL)");
    }

    boolean sigsetjmp(SignalJump env, boolean saveMask, Runnable body) {
        if (env == null || body == null) {
            throw einval("sigsetjmp needs a jump buffer and a body");
        }
        if (env.boundFrame() instanceof Frame f && f.active) {
            throw einval("the jump buffer is in use by an active sigsetjmp");
        }
        long saved;
        synchronized (signals) {
            saved = saveMask ? signals.maskBits() : Frame.NO_MASK;
        }
        Frame frame = new Frame(signals, Thread.currentThread(), saved);
        env.bind(frame);
        try {
            body.run();
            return false;
        } catch (SignalJump.Unwind u) {
            if (u.target() != env) {
                throw u;
            }
            long restore = frame.mask;
            if (restore != Frame.NO_MASK) {
                signals.setMask(SignalSets.set(restore));
            }
            return true;
        } finally {
            frame.active = false;
            env.bind(null);
        }
    }

    void siglongjmp(SignalJump env) {
        Frame f = activeFrame(env);
        if (f.thread != Thread.currentThread()) {
            throw einval("siglongjmp must be called on the thread that called sigsetjmp (" + f.thread.getName()
                    + "); a handler on the signal thread cannot unwind another thread");
        }
        throw new SignalJump.Unwind(env);
    }

    void sigjmpMaskset(SignalJump env, Set<Signal> newMask) {
        Frame f = activeFrame(env);
        f.mask = newMask == null ? Frame.NO_MASK : SignalSets.bits(newMask) & SignalSets.CATCHABLE;
    }
}
