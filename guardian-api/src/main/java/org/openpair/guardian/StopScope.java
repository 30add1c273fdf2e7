package org.openpair.guardian;

/** PROCESS_STOP_'s specifier: which members of a pair a stop reaches. */
public enum StopScope {
    /** 0: the target only; stopping only the primary makes its backup take over. */
    TARGET(0),
    /** 1: both members of the target's pair. */
    PAIR(1),
    /** 2: the caller's opposite member (its backup if it is the primary, and the reverse). */
    OPPOSITE(2);

    private final int specifier;

    StopScope(int specifier) {
        this.specifier = specifier;
    }

    public int specifier() {
        return specifier;
    }
}
