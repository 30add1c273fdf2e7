package org.openpair.chaos;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads a finished history against the final state of each pair and lists what went wrong. It
 * is a pure function of its inputs (no clock, no node), so it is tested with histories made by
 * hand: a checker that cannot fail proves nothing.
 *
 * <p>Every pair: no reply may come from an epoch older than one some client had already heard
 * before the request was sent (a primary that lost its role must not answer). Replies are
 * compared by real time: an acknowledgement at time t orders itself before every request
 * invoked after t, whichever client sent it. The ledger's and the key-value store's own checks
 * are in {@link LedgerCheck} and {@link KvCheck}.
 */
final class Checker {
    private Checker() {
    }

    /** The violations of {@code history} given each pair's {@code finals}, in pair order. */
    static List<Violation> check(List<Op> history, List<FinalState> finals) {
        Map<String, List<Op>> byPair = history.stream().collect(Collectors.groupingBy(Op::pair));
        List<Violation> found = new ArrayList<>();
        for (FinalState f : finals) {
            List<Op> ops = byPair.getOrDefault(f.pair(), List.of());
            found.addAll(staleEpochs(f.pair(), ops));
            found.addAll(f.kind() == PairKind.LEDGER ? LedgerCheck.check(ops, f) : KvCheck.check(ops, f));
        }
        return found;
    }

    /**
     * Sweeps the requests in order of invocation while the acknowledgements that came before each
     * raise the highest epoch heard; a reply below it is stale.
     */
    static List<Violation> staleEpochs(String pair, List<Op> ops) {
        List<Op> replied = ops.stream().filter(o -> o.outcome() == Outcome.OK && o.epoch() >= 0).toList();
        List<Op> byDone = replied.stream().sorted(Comparator.comparingLong(Op::doneNanos)).toList();
        List<Op> byInvoke = replied.stream().sorted(Comparator.comparingLong(Op::invokeNanos)).toList();
        List<Violation> found = new ArrayList<>();
        long highest = -1;
        Op highestBy = null;
        int next = 0;
        for (Op op : byInvoke) {
            while (next < byDone.size() && byDone.get(next).doneNanos() < op.invokeNanos()) {
                Op heard = byDone.get(next++);
                if (heard.epoch() > highest) {
                    highest = heard.epoch();
                    highestBy = heard;
                }
            }
            if (op.epoch() < highest) {
                found.add(new Violation(Violation.Type.STALE_EPOCH, pair, op.doneNanos(), "client " + op.client()
                        + " request " + op.seq() + " (" + op.id() + ") was answered at epoch " + op.epoch()
                        + " after client " + highestBy.client() + " had heard epoch " + highest
                        + " before it was sent: " + op.detail()));
            }
        }
        return found;
    }
}
