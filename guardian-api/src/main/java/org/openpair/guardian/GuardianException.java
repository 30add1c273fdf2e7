package org.openpair.guardian;

/**
 * A Guardian procedure refused or failed. {@link #error()} is the Guardian error number a
 * NonStop program would have read from the procedure's result; the message says what was
 * wrong in words a person can act on.
 *
 * <p>Unchecked, because every Guardian call can fail and Java callers wrap them in lambdas;
 * each method documents the numbers it produces.
 */
public class GuardianException extends RuntimeException {
    private final GuardianError error;

    public GuardianException(GuardianError error, String message) {
        super(message);
        this.error = error;
    }

    public GuardianException(GuardianError error, String message, Throwable cause) {
        super(message, cause);
        this.error = error;
    }

    /** The Guardian error number. */
    public int error() {
        return error.number();
    }

    /** The error as a constant. */
    public GuardianError guardianError() {
        return error;
    }

    /** "error 12: name $SRV is in use by \NODE.$SRV:..." — the one-line form the CLI prints. */
    public String oneLine() {
        return "error " + error.number() + " (" + error.text() + "): " + getMessage();
    }
}
