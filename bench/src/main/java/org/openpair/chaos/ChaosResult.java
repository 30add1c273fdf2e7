package org.openpair.chaos;

import java.util.List;

/**
 * What a chaos run did and found: its settings, each fault's record, the whole history, the
 * state read back, the violations, and how long it took.
 */
public record ChaosResult(ChaosSettings settings, List<FaultRecord> faults, List<Op> history,
                          List<FinalState> finals, List<Violation> violations, long elapsedMillis) {
}
