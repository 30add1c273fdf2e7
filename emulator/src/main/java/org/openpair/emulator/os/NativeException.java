package org.openpair.emulator.os;

import java.util.Objects;

/**
 * A failed operating-system call, classified by {@link Kind} so callers can react to what went
 * wrong (missing program, gone process, ...) without knowing errno numbers; checked because every
 * OS call can fail for reasons outside the emulator's control.
 */
public final class NativeException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What went wrong, independent of the errno that reported it. */
    public enum Kind { NOT_FOUND, NOT_EXECUTABLE, SPAWN_FAILED, NO_SUCH_PROCESS, PERMISSION, OTHER }

    private final Kind kind;
    private final int errno;

    public NativeException(Kind kind, int errno, String message) {
        this(kind, errno, message, null);
    }

    public NativeException(Kind kind, int errno, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.errno = errno;
    }

    public Kind kind() {
        return kind;
    }

    /** The errno that reported the failure, or 0 if it was not detected by a system call. */
    public int errno() {
        return errno;
    }
}
