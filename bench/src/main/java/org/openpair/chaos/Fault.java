package org.openpair.chaos;

/**
 * One planned fault: what, against which of the run's pairs, and the one number the kind needs
 * (the delay before the kill of a switch-then-kill, the length of a short freeze; else 0).
 *
 * @param index  1-based position in the plan
 * @param kind   what to do
 * @param pair   index of the target pair in the run's list
 * @param millis the kind's parameter, in milliseconds
 */
record Fault(int index, FaultKind kind, int pair, long millis) {
}
