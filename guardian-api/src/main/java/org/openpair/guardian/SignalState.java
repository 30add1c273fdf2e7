package org.openpair.guardian;

import java.util.Objects;

/**
 * The caller-held buffer SIGACTION_SUPPLANT_ saves a process's whole signal state into (every
 * signal's action and the mask) and SIGACTION_RESTORE_ puts back.
 *
 * <p><b>Why bytes.</b> In C the buffer is memory the caller owns, so SIGACTION_RESTORE_ has to
 * cope with a buffer that was never filled, one filled by another process, and one scribbled
 * on; NonStop answers EINVAL. The Java twin keeps that contract honest: the buffer is a byte
 * array the caller owns ({@link #memory()}), which it may keep wherever its C code kept it —
 * a field, a stack of nested subsystems. OpenPair writes into it a header naming the process
 * that filled it, each action, the mask and a checksum, and checks all of it before it restores
 * anything. A handler is a Java object and cannot live in bytes: the buffer holds the handler's
 * index in the process's own table of installed handlers, which is why a buffer filled by one
 * process means nothing to another (foreign: error 2). A buffer is not tied to one use: it can be
 * restored more than once, as a C buffer can.
 *
 * <p>Errors (see {@link Signals#sigactionSupplant} and {@link Signals#sigactionRestore}): EINVAL
 * is error 2 ({@link GuardianError#INVALID_OPERATION}), ERANGE is error 22
 * ({@link GuardianError#BOUNDS}).
 */
public final class SignalState {
    /** Bytes SIGACTION_SUPPLANT_ writes; a shorter buffer is refused with error 22 (ERANGE). */
    public static final int SIZE = 256;

    private final byte[] memory;

    /** A new buffer of {@link #SIZE} zero bytes: never filled. */
    public SignalState() {
        this(new byte[SIZE]);
    }

    private SignalState(byte[] memory) {
        this.memory = memory;
    }

    /** A buffer over the caller's own memory, of any length (a short one is refused when used). */
    public static SignalState wrap(byte[] memory) {
        return new SignalState(Objects.requireNonNull(memory, "memory"));
    }

    /** The buffer's memory itself, not a copy: what is written here is written into the buffer. */
    public byte[] memory() {
        return memory;
    }
}
