package org.openpair.guardian;

/**
 * The signals a process can receive, with their default action. The POSIX signals carry their
 * Linux numbers, because an OS process receives exactly that signal from {@link Guardian#kill};
 * the NonStop-only signals carry numbers OpenPair chose ({@link #SIGTIMEOUT} is 26, as on OSS).
 *
 * <p>{@link #SIGKILL} and {@link #SIGABEND} cannot be caught, ignored or blocked: their action is
 * always the default. The fault signals ({@link #isFault()}) are the ones SIGACTION_SUPPLANT_
 * takes over. Job-control signals (SIGSTOP, SIGCONT) are not part of the model: a hosted
 * program's threads cannot be suspended safely in Java.
 */
public enum Signal {
    SIGHUP(1, Default.TERMINATE),
    SIGINT(2, Default.TERMINATE),
    SIGQUIT(3, Default.TERMINATE),
    SIGILL(4, Default.TERMINATE),
    SIGABRT(6, Default.TERMINATE),
    SIGFPE(8, Default.TERMINATE),
    SIGKILL(9, Default.TERMINATE),
    SIGUSR1(10, Default.TERMINATE),
    SIGSEGV(11, Default.TERMINATE),
    SIGUSR2(12, Default.TERMINATE),
    SIGPIPE(13, Default.TERMINATE),
    SIGALRM(14, Default.TERMINATE),
    SIGTERM(15, Default.TERMINATE),
    /** A child ended; ignored unless caught. */
    SIGCHLD(17, Default.IGNORE),
    /** The process's loop timer ran out ({@link ProcessContext#setLoopTimer}); by default a trap, completion code -1. */
    SIGTIMEOUT(26, Default.TERMINATE),
    /** Process-limit fault (NonStop). */
    SIGLIMIT(27, Default.TERMINATE),
    /** Uncorrectable memory error (NonStop). */
    SIGMEMERR(28, Default.TERMINATE),
    /** No memory available (NonStop). */
    SIGNOMEM(29, Default.TERMINATE),
    /** Memory-manager read error (NonStop). */
    SIGMEMMGR(30, Default.TERMINATE),
    /** Stack overflow (NonStop). */
    SIGSTK(31, Default.TERMINATE),
    /** Abnormal end requested of the process (NonStop); never caught, ignored or blocked. */
    SIGABEND(32, Default.TERMINATE);

    /** What happens to a signal whose action is {@link SignalAction#defaultAction()}. */
    public enum Default {
        /** The process ends. */
        TERMINATE,
        /** Nothing. */
        IGNORE
    }

    private final int number;
    private final Default defaultAction;

    Signal(int number, Default defaultAction) {
        this.number = number;
        this.defaultAction = defaultAction;
    }

    /** The signal's number: Linux's for POSIX signals, OpenPair's for NonStop-only ones. */
    public int number() {
        return number;
    }

    /** What the default action does. */
    public Default defaultAction() {
        return defaultAction;
    }

    /** False for SIGKILL and SIGABEND, whose action, mask bit and delivery nobody can change. */
    public boolean isCatchable() {
        return this != SIGKILL && this != SIGABEND;
    }

    /** The fault signals: SIGILL, SIGFPE, SIGSEGV, SIGMEMERR, SIGNOMEM, SIGMEMMGR, SIGSTK, SIGLIMIT. */
    public boolean isFault() {
        return switch (this) {
            case SIGILL, SIGFPE, SIGSEGV, SIGMEMERR, SIGNOMEM, SIGMEMMGR, SIGSTK, SIGLIMIT -> true;
            default -> false;
        };
    }

    /**
     * The signal named {@code text} ({@code SIGTERM}, {@code TERM}, any case) or numbered so.
     *
     * @throws GuardianException 2 no such signal
     */
    public static Signal parse(String text) {
        String t = text == null ? "" : text.trim().toUpperCase(java.util.Locale.ROOT);
        for (Signal s : values()) {
            if (s.name().equals(t) || s.name().equals("SIG" + t) || Integer.toString(s.number).equals(t)) {
                return s;
            }
        }
        throw new GuardianException(GuardianError.INVALID_OPERATION, "no signal '" + text + "'; signals: "
                + java.util.Arrays.toString(values()));
    }
}
