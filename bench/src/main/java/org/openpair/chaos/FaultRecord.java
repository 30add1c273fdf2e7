package org.openpair.chaos;

/**
 * What became of one planned fault.
 *
 * @param fault      the plan's fault
 * @param pair       the target pair's name
 * @param startNanos when it took effect ({@link System#nanoTime()}: the signal sent, the link down, the
 *                   switch asked for): the unavailability runs from here
 * @param endNanos   when the node was whole again (or the wait for it gave up)
 * @param skipped    the reason it was not made, or {@code null} if it was
 * @param note       what was seen while making it, for the report
 */
record FaultRecord(Fault fault, String pair, long startNanos, long endNanos, String skipped, String note) {

    boolean wasMade() {
        return skipped == null;
    }
}
