package org.openpair.emulator.signals;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

import org.openpair.guardian.Signal;

/**
 * Signal sets as a process's signal state keeps them: one bit per {@link Signal}, by ordinal,
 * in a {@code long}, so the state's lock guards plain numbers and the API's {@link Set}s are
 * made only at its edge.
 */
final class SignalSets {
    private static final Signal[] SIGNALS = Signal.values();
    /** The signals a mask may block and a process may catch. */
    static final long CATCHABLE;
    /** The signals SIGACTION_SUPPLANT_ catches: the ones a fault generates. */
    static final long FAULTS;

    static {
        long c = 0;
        long f = 0;
        for (Signal s : SIGNALS) {
            c |= s.isCatchable() ? bit(s) : 0;
            f |= s.isFault() ? bit(s) : 0;
        }
        CATCHABLE = c;
        FAULTS = f;
    }

    private SignalSets() {
    }

    static long bit(Signal s) {
        return 1L << s.ordinal();
    }

    static long bits(Set<Signal> set) {
        long b = 0;
        for (Signal s : set) {
            b |= bit(s);
        }
        return b;
    }

    static Set<Signal> set(long bits) {
        EnumSet<Signal> s = EnumSet.noneOf(Signal.class);
        for (Signal sig : SIGNALS) {
            if ((bits & bit(sig)) != 0) {
                s.add(sig);
            }
        }
        return Collections.unmodifiableSet(s);
    }
}
