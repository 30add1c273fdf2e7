package org.openpair.chaos;

import java.util.List;
import java.util.Map;

/**
 * What a pair holds once the run is over, read back through an ordinary open: the ledger's
 * applied transfer IDs in the order it applied them and its total, or the key-value store's
 * versions and values of the keys the clients wrote. {@code readable} is false when the pair
 * could not be read at all (no primary), which the checker counts as every acknowledged
 * request lost.
 *
 * @param pair     the pair's name
 * @param kind     what the pair serves
 * @param readable whether it answered
 * @param log      ledger: applied transfer IDs in order
 * @param total    ledger: the sum of the balances
 * @param expected ledger: the sum at the start
 * @param values   key-value: key → value ({@code -} absent)
 * @param versions key-value: key → version (0 absent)
 * @param error    why it could not be read, or {@code null}
 */
record FinalState(String pair, PairKind kind, boolean readable, List<String> log, long total, long expected,
                  Map<String, String> values, Map<String, Long> versions, String error) {

    static FinalState ledger(String pair, List<String> log, long total, long expected) {
        return new FinalState(pair, PairKind.LEDGER, true, List.copyOf(log), total, expected, Map.of(), Map.of(), null);
    }

    static FinalState kv(String pair, Map<String, String> values, Map<String, Long> versions) {
        return new FinalState(pair, PairKind.KV, true, List.of(), 0, 0, Map.copyOf(values), Map.copyOf(versions), null);
    }

    static FinalState unreadable(String pair, PairKind kind, String error) {
        return new FinalState(pair, kind, false, List.of(), 0, 0, Map.of(), Map.of(), error);
    }
}
