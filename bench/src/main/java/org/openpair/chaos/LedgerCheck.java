package org.openpair.chaos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ledger's history against its log of applied transfer IDs (in the order applied) and its
 * total. Transfer IDs are unique per request, so: every acknowledged ID is in the log once; no
 * ID is there twice, nor one no client sent or one whose client was told it failed; a
 * {@code DUP} reply means the ledger met an ID it had already applied, a second execution; the
 * total is the opening total. An unknown request whose open the client then closed must not be
 * applied after a request the client sent later on another open: the log's order shows it.
 */
final class LedgerCheck {
    /** What the ledger's LOG shows for a transfer it counts but holds no record of. */
    static final String HOLE = "?";
    private LedgerCheck() {
    }

    static List<Violation> check(List<Op> ops, FinalState f) {
        List<Violation> found = new ArrayList<>();
        String pair = f.pair();
        if (!f.readable()) {
            ops.stream().filter(o -> o.outcome() == Outcome.OK).forEach(o -> found.add(new Violation(
                    Violation.Type.ACKED_LOST, pair, o.doneNanos(), "transfer " + o.id()
                    + " was acknowledged but the ledger could not be read at the end: " + f.error())));
            return found;
        }
        Map<String, Op> sent = new HashMap<>();
        ops.forEach(o -> sent.put(o.id(), o));
        Map<String, Integer> position = new HashMap<>();
        int holes = 0;
        for (int i = 0; i < f.log().size(); i++) {
            String id = f.log().get(i);
            if (id.equals(LedgerCheck.HOLE)) {
                holes++;
                continue;
            }
            if (position.putIfAbsent(id, i) != null) {
                Op o = sent.get(id);
                found.add(new Violation(Violation.Type.APPLIED_TWICE, pair, o == null ? Long.MAX_VALUE : o.doneNanos(),
                        "transfer " + id + " is in the ledger's log more than once"));
            }
        }
        if (holes > 0) {
            found.add(new Violation(Violation.Type.LOG_HOLES, pair, Long.MAX_VALUE, "the ledger counts "
                    + f.log().size() + " transfers but holds no record of " + holes + " of them"));
        }
        for (Op o : ops) {
            if (o.outcome() == Outcome.OK && o.detail().startsWith("DUP")) {
                found.add(new Violation(Violation.Type.APPLIED_TWICE, pair, o.doneNanos(), "client " + o.client()
                        + " sent transfer " + o.id() + " once and the ledger answered DUP: a second execution"));
            } else if (o.outcome() == Outcome.OK && !position.containsKey(o.id())) {
                found.add(new Violation(Violation.Type.ACKED_LOST, pair, o.doneNanos(), "transfer " + o.id()
                        + " was acknowledged (" + o.detail() + ") but is not in the ledger's log"));
            }
        }
        for (String id : position.keySet()) {
            Op o = sent.get(id);
            if (o == null) {
                found.add(new Violation(Violation.Type.PHANTOM, pair, Long.MAX_VALUE,
                        "transfer " + id + " is in the ledger's log but no client sent it"));
            } else if (o.outcome() == Outcome.FAILED) {
                found.add(new Violation(Violation.Type.PHANTOM, pair, o.doneNanos(), "transfer " + id
                        + " is in the ledger's log but its client was told it failed: " + o.detail()));
            }
        }
        found.addAll(lateApplies(pair, ops, position));
        if (f.total() != f.expected()) {
            found.add(new Violation(Violation.Type.TOTAL, pair, Long.MAX_VALUE, "the ledger's total is " + f.total()
                    + ", not the opening " + f.expected()));
        }
        return found;
    }

    /**
     * A client is sequential, so the first request it had acknowledged after closing the open of
     * an unknown request bounds where that request may sit in the log.
     */
    private static List<Violation> lateApplies(String pair, List<Op> ops, Map<String, Integer> position) {
        List<Violation> found = new ArrayList<>();
        Map<String, List<Op>> byClient = new HashMap<>();
        ops.forEach(o -> byClient.computeIfAbsent(o.client(), c -> new ArrayList<>()).add(o));
        for (List<Op> mine : byClient.values()) {
            mine.sort((a, b) -> Long.compare(a.seq(), b.seq()));
            for (Op u : mine) {
                Integer at = position.get(u.id());
                if (u.outcome() != Outcome.UNKNOWN || u.closedNanos() < 0 || at == null) {
                    continue;
                }
                for (Op later : mine) {
                    Integer laterAt = position.get(later.id());
                    if (later.outcome() == Outcome.OK && later.invokeNanos() > u.closedNanos() && laterAt != null) {
                        if (laterAt < at) {
                            found.add(new Violation(Violation.Type.LATE_APPLY, pair, later.doneNanos(), "transfer "
                                    + u.id() + " (outcome unknown: " + u.detail() + ") was applied after transfer "
                                    + later.id() + ", which its client sent after closing the open of the first"));
                        }
                        break;
                    }
                }
            }
        }
        return found;
    }
}
