package org.openpair.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The checker against histories made by hand: each kind of wrong it must find, found; a clean
 * history, nothing. Times are plain numbers: the checker only compares them.
 */
class CheckerTest {
    private static final String LEDG = "$LEDG";
    private static final String KV = "$KV";

    // --- the ledger

    @Test
    void ledger_cleanHistory_noViolation() {
        List<Op> h = List.of(xfer("a", 1, 10, 20, Outcome.OK, 1), xfer("a", 2, 30, 40, Outcome.OK, 1),
                xfer("b", 1, 15, 35, Outcome.OK, 1), xfer("b", 2, 50, 60, Outcome.FAILED, -1));
        FinalState f = FinalState.ledger(LEDG, List.of("a.1", "b.1", "a.2"), 100, 100);

        assertThat(Checker.check(h, List.of(f))).isEmpty();
    }

    @Test
    void ledger_acknowledgedTransferMissingFromTheLog_isAckedLost() {
        List<Op> h = List.of(xfer("a", 1, 10, 20, Outcome.OK, 1), xfer("a", 2, 30, 40, Outcome.OK, 1));
        FinalState f = FinalState.ledger(LEDG, List.of("a.1"), 100, 100);

        assertThat(types(Checker.check(h, List.of(f)))).containsExactly(Violation.Type.ACKED_LOST);
    }

    @Test
    void ledger_unknownTransferMissingFromTheLog_isFine() {
        List<Op> h = List.of(xfer("a", 1, 10, 20, Outcome.OK, 1), unknown(xfer("a", 2, 30, 40, Outcome.UNKNOWN, -1), 41));
        FinalState f = FinalState.ledger(LEDG, List.of("a.1"), 100, 100);

        assertThat(Checker.check(h, List.of(f))).isEmpty();
    }

    @Test
    void ledger_transferTwiceInTheLog_isAppliedTwice() {
        List<Op> h = List.of(xfer("a", 1, 10, 20, Outcome.OK, 1));
        FinalState f = FinalState.ledger(LEDG, List.of("a.1", "a.1"), 100, 100);

        assertThat(types(Checker.check(h, List.of(f)))).containsExactly(Violation.Type.APPLIED_TWICE);
    }

    @Test
    void ledger_dupReply_isAppliedTwice() {
        Op dup = new Op(LEDG, "a", 1, 1, "XFER", "a.1", null, 10, 20, Outcome.OK, -1, -1, null, "DUP a.1", -1);
        FinalState f = FinalState.ledger(LEDG, List.of("a.1"), 100, 100);

        assertThat(types(Checker.check(List.of(dup), List.of(f)))).containsExactly(Violation.Type.APPLIED_TWICE);
    }

    @Test
    void ledger_transferNobodySentOrThatFailed_isPhantom() {
        List<Op> h = List.of(xfer("a", 1, 10, 20, Outcome.FAILED, -1));
        FinalState f = FinalState.ledger(LEDG, List.of("a.1", "z.9"), 100, 100);

        assertThat(types(Checker.check(h, List.of(f)))).containsExactly(Violation.Type.PHANTOM, Violation.Type.PHANTOM);
    }

    @Test
    void ledger_totalChanged_isReported() {
        FinalState f = FinalState.ledger(LEDG, List.of(), 99, 100);

        assertThat(types(Checker.check(List.of(), List.of(f)))).containsExactly(Violation.Type.TOTAL);
    }

    @Test
    void ledger_unknownTransferAppliedAfterALaterOneOnANewOpen_isLateApply() {
        Op u = unknown(xfer("a", 1, 10, 50, Outcome.UNKNOWN, -1), 51);
        Op later = xfer("a", 2, 60, 70, Outcome.OK, 2);
        FinalState f = FinalState.ledger(LEDG, List.of("a.2", "a.1"), 100, 100);

        assertThat(types(Checker.check(List.of(u, later), List.of(f)))).containsExactly(Violation.Type.LATE_APPLY);
    }

    @Test
    void ledger_countsTransfersItHoldsNoRecordOf_isLogHoles() {
        List<Op> h = List.of(xfer("a", 1, 10, 20, Outcome.OK, 1));
        FinalState f = FinalState.ledger(LEDG, List.of("?", "?", "a.1"), 100, 100);

        assertThat(types(Checker.check(h, List.of(f)))).containsExactly(Violation.Type.LOG_HOLES);
    }

    @Test
    void ledger_unreadableAtTheEnd_everyAcknowledgedTransferIsLost() {
        List<Op> h = List.of(xfer("a", 1, 10, 20, Outcome.OK, 1), xfer("a", 2, 30, 40, Outcome.OK, 1));
        FinalState f = FinalState.unreadable(LEDG, PairKind.LEDGER, "error 201");

        assertThat(types(Checker.check(h, List.of(f)))).containsExactly(Violation.Type.ACKED_LOST,
                Violation.Type.ACKED_LOST);
    }

    // --- epochs

    @Test
    void replyFromAnOlderEpochAfterAnotherClientHeardANewerOne_isStale() {
        Op heard = xfer("a", 1, 10, 20, Outcome.OK, 3);
        Op stale = xfer("b", 1, 25, 30, Outcome.OK, 2);
        FinalState f = FinalState.ledger(LEDG, List.of("a.1", "b.1"), 100, 100);

        assertThat(types(Checker.check(List.of(heard, stale), List.of(f)))).containsExactly(Violation.Type.STALE_EPOCH);
    }

    @Test
    void olderEpochForARequestSentBeforeTheNewerReply_isNotStale() {
        Op heard = xfer("a", 1, 10, 20, Outcome.OK, 3);
        Op concurrent = xfer("b", 1, 15, 30, Outcome.OK, 2);
        FinalState f = FinalState.ledger(LEDG, List.of("a.1", "b.1"), 100, 100);

        assertThat(Checker.check(List.of(heard, concurrent), List.of(f))).isEmpty();
    }

    // --- the key-value store

    @Test
    void kv_cleanHistory_noViolation() {
        List<Op> h = List.of(put("a", 1, "k", 1, "-", Outcome.OK), put("a", 2, "k", 2, "a.1", Outcome.OK),
                unknown(put("a", 3, "k", -1, null, Outcome.UNKNOWN), 75), put("a", 4, "k", 4, "a.3", Outcome.OK));
        FinalState f = FinalState.kv(KV, Map.of("k", "a.4"), Map.of("k", 4L));

        assertThat(Checker.check(h, List.of(f))).isEmpty();
    }

    @Test
    void kv_acknowledgedWriteUndone_isAckedLost() {
        // Write 2 was acknowledged at version 2, yet write 3 finds version 1 before it: 2 was lost.
        List<Op> h = List.of(put("a", 1, "k", 1, "-", Outcome.OK), put("a", 2, "k", 2, "a.1", Outcome.OK),
                put("a", 3, "k", 2, "a.1", Outcome.OK));
        FinalState f = FinalState.kv(KV, Map.of("k", "a.3"), Map.of("k", 2L));

        assertThat(types(Checker.check(h, List.of(f)))).contains(Violation.Type.ACKED_LOST);
    }

    @Test
    void kv_finalStateBehindTheLastAcknowledgedWrite_isAckedLost() {
        List<Op> h = List.of(put("a", 1, "k", 1, "-", Outcome.OK), put("a", 2, "k", 2, "a.1", Outcome.OK));
        FinalState f = FinalState.kv(KV, Map.of("k", "a.1"), Map.of("k", 1L));

        assertThat(types(Checker.check(h, List.of(f)))).containsExactly(Violation.Type.ACKED_LOST);
    }

    @Test
    void kv_versionAboveEveryRequestSent_isAppliedTwice() {
        List<Op> h = List.of(put("a", 1, "k", 1, "-", Outcome.OK), put("a", 2, "k", 3, "a.1", Outcome.OK));
        FinalState f = FinalState.kv(KV, Map.of("k", "a.2"), Map.of("k", 3L));

        assertThat(types(Checker.check(h, List.of(f)))).contains(Violation.Type.APPLIED_TWICE);
    }

    @Test
    void kv_valueNobodyWrote_isPhantom() {
        List<Op> h = List.of(put("a", 1, "k", 1, "-", Outcome.OK));
        FinalState f = FinalState.kv(KV, Map.of("k", "zz.1"), Map.of("k", 1L));

        assertThat(types(Checker.check(h, List.of(f)))).contains(Violation.Type.PHANTOM);
    }

    @Test
    void kv_unknownWriteLandingAfterALaterWriteOnANewOpen_isLateApply() {
        Op u = unknown(put("a", 1, "k", -1, null, Outcome.UNKNOWN), 35);
        Op later = put("a", 2, "k", 1, "-", Outcome.OK);
        Op after = put("a", 3, "k", 3, "a.1", Outcome.OK);
        FinalState f = FinalState.kv(KV, Map.of("k", "a.3"), Map.of("k", 3L));

        assertThat(types(Checker.check(List.of(u, later, after), List.of(f)))).containsExactly(Violation.Type.LATE_APPLY);
    }

    @Test
    void kv_staleEpoch_isReported() {
        // b's request 2 is sent (at 40) after a heard epoch 5 (at 30), and is answered at epoch 4.
        List<Op> h = List.of(put("a", 1, "k", 1, "-", Outcome.OK, 5), put("b", 2, "j", 1, "-", Outcome.OK, 4));
        FinalState f = FinalState.kv(KV, Map.of("k", "a.1", "j", "b.2"), Map.of("k", 1L, "j", 1L));

        assertThat(types(Checker.check(h, List.of(f)))).containsExactly(Violation.Type.STALE_EPOCH);
    }

    // --- helpers

    private static Op xfer(String c, long n, long invoke, long done, Outcome outcome, long epoch) {
        return new Op(LEDG, c, n, 1, "XFER", c + "." + n, null, invoke, done, outcome, epoch, -1, null,
                outcome == Outcome.OK ? "OK " + c + "." + n : "error", -1);
    }

    private static Op put(String c, long n, String key, long version, String previous, Outcome outcome) {
        return put(c, n, key, version, previous, outcome, 1);
    }

    /** Client {@code c}'s write {@code n}: invoked at 20n, done at 20n+10. */
    private static Op put(String c, long n, String key, long version, String previous, Outcome outcome, long epoch) {
        long invoke = 20 * n;
        return new Op(KV, c, n, 1, "PUT", c + "." + n, key, invoke, invoke + 10, outcome,
                outcome == Outcome.OK ? epoch : -1, version, previous, outcome == Outcome.OK ? "OK" : "error 40", -1);
    }

    private static Op unknown(Op op, long closedAt) {
        return op.withClosed(closedAt);
    }

    private static List<Violation.Type> types(List<Violation> found) {
        List<Violation.Type> t = new ArrayList<>();
        found.forEach(v -> t.add(v.type()));
        return t;
    }
}
