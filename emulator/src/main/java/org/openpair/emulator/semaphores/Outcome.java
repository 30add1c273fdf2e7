package org.openpair.emulator.semaphores;

import org.openpair.guardian.Acquisition;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * What a semaphore update answers: done (with an acquisition or a number), queued
 * behind others, or refused with a Guardian error as data (the client protocol carries no
 * exception classes of ours).
 */
record Outcome(Kind kind, int error, String message, Acquisition acquisition, long number) {

    enum Kind { DONE, WAITING, REFUSED }

    static final Outcome WAITING = new Outcome(Kind.WAITING, 0, null, null, 0);

    static Outcome done(Acquisition a) {
        return new Outcome(Kind.DONE, 0, null, a, 0);
    }

    static Outcome done(long number) {
        return new Outcome(Kind.DONE, 0, null, null, number);
    }

    static Outcome refused(GuardianError error, String message) {
        return new Outcome(Kind.REFUSED, error.number(), message, null, 0);
    }

    /** This outcome, or the Guardian error it carries thrown. */
    Outcome orThrow() {
        if (kind == Kind.REFUSED) {
            throw new GuardianException(GuardianError.of(error), message);
        }
        return this;
    }
}
