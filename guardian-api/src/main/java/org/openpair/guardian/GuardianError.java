package org.openpair.guardian;

/**
 * The Guardian file-system error numbers OpenPair reports. One numbering space for every
 * refusal, so a porter can look a number up in the Guardian Procedure Errors manual and a
 * script can compare it with the number the {@code guardian} command prints.
 *
 * <p>Where NonStop reports a process-creation error instead (a duplicate name is
 * PROCESS_LAUNCH_ error 11 on NSK), OpenPair uses the file-system error of the same meaning
 * ({@link #IN_USE}), so that 11 always means "not found".
 */
public enum GuardianError {
    OK(0, "ok"),
    INVALID_OPERATION(2, "invalid operation or parameter"),
    NOT_FOUND(11, "not found"),
    IN_USE(12, "in use"),
    BAD_NAME(13, "illegal name"),
    NO_SUCH_DEVICE(14, "process or CPU does not exist"),
    NOT_OPEN(16, "file not open"),
    BOUNDS(22, "bounds error"),
    TOO_MANY_NOWAIT(28, "too many nowait operations outstanding on the open"),
    TIMED_OUT(40, "operation timed out"),
    NO_ROOM(44, "no room in a system table"),
    SECURITY(48, "security violation"),
    NAME_CHANGED(60, "the name now denotes a different process"),
    DEVICE_DOWN(66, "device down"),
    RECEIVE_DEPTH(74, "receive depth exceeded"),
    PATH_DOWN(201, "path down"),
    OWNERSHIP_CHANGED(210, "ownership changed during the operation"),
    CPU_FAILED(211, "the CPU that owned the operation failed"),
    /**
     * OpenPair's own number, 4000 plus Linux's ENOTRECOVERABLE (131) as OSS numbers its errno
     * values: a robust semaphore whose holder was told its owner died let go without marking the
     * protected state consistent.
     */
    NOT_RECOVERABLE(4131, "state protected by the semaphore is not recoverable");

    private final int number;
    private final String text;

    GuardianError(int number, String text) {
        this.number = number;
        this.text = text;
    }

    /** The Guardian error number. */
    public int number() {
        return number;
    }

    /** The manual's short meaning of the number. */
    public String text() {
        return text;
    }

    /** The constant for a number, for decoding numbers that crossed a wire. */
    public static GuardianError of(int number) {
        for (GuardianError e : values()) {
            if (e.number == number) {
                return e;
            }
        }
        throw new IllegalArgumentException("not a Guardian error OpenPair uses: " + number);
    }
}
