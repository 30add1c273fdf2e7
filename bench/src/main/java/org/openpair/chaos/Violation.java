package org.openpair.chaos;

/**
 * One thing the checker found wrong in the history.
 *
 * @param type      what kind of wrong
 * @param pair      the pair it concerns
 * @param atNanos   when it became visible ({@link System#nanoTime()}): the acknowledgement of a
 *                  write later found lost, or the reply that showed it; the report charges it to
 *                  a fault kind by this time
 * @param text      what happened, for a person
 */
record Violation(Type type, String pair, long atNanos, String text) {

    enum Type {
        /** An acknowledged request whose effect is not in the final state (or was undone). */
        ACKED_LOST("acked_lost"),
        /** A request executed more than once (ledger DUP, a transfer ID twice in the log, a version too high). */
        APPLIED_TWICE("applied_twice"),
        /** A reply from an epoch older than one a client had already heard before the request was sent. */
        STALE_EPOCH("stale_epoch"),
        /** An effect no client asked for, or one whose client was told it did not happen. */
        PHANTOM("phantom"),
        /** A request applied after its client had closed the open on which its outcome was unknown. */
        LATE_APPLY("late_apply"),
        /** The ledger's total differs from the opening total. */
        TOTAL("total_changed"),
        /** The ledger counts transfers it holds no record of ({@code ?} in its log): its state lost entries. */
        LOG_HOLES("log_holes"),
        /** The pair was left with no member while CPUs were up. */
        PAIR_LOST("pairs_lost");

        private final String key;

        Type(String key) {
            this.key = key;
        }

        /** The report's field name. */
        String key() {
            return key;
        }
    }
}
