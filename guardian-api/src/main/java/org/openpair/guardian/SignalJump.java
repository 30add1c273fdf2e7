package org.openpair.guardian;

/**
 * A jump buffer: the Java shape of {@code sigjmp_buf} for {@link Signals#sigsetjmp},
 * {@link Signals#siglongjmp} and SIGJMP_MASKSET_ ({@link Signals#sigjmpMaskset}).
 *
 * <p>A new buffer is uninitialised; {@code sigsetjmp} initialises it for the time its body
 * runs, on the thread that called it. Its contents belong to OpenPair: the caller holds it and
 * passes it back.
 */
public final class SignalJump {
    private volatile Object frame;

    /** An uninitialised jump buffer. */
    public SignalJump() {
    }

    /**
     * For the runtime that implements {@link Signals}: binds the buffer to its active frame, or
     * clears it. A program that calls this only confuses its own jumps: the runtime checks that
     * the frame is one of its own.
     */
    public void bind(Object frame) {
        this.frame = frame;
    }

    /** The bound frame, for the runtime that implements {@link Signals}. */
    public Object boundFrame() {
        return frame;
    }

    /**
     * Thrown by {@link Signals#siglongjmp} to unwind to its {@code sigsetjmp}. An {@link Error},
     * so that {@code catch (Exception e)} in the code between does not stop the jump.
     */
    public static final class Unwind extends Error {
        private final transient SignalJump target;

        public Unwind(SignalJump target) {
            super("siglongjmp", null, false, false);
            this.target = target;
        }

        /** The buffer this jump goes to. */
        public SignalJump target() {
            return target;
        }
    }
}
