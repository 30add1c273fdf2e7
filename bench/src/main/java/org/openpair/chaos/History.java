package org.openpair.chaos;

import java.util.ArrayList;
import java.util.List;

/** Every request of the run, appended by the clients as outcomes become known; thread-safe. */
final class History {
    private final List<Op> ops = new ArrayList<>();

    synchronized void add(Op op) {
        ops.add(op);
    }

    synchronized List<Op> snapshot() {
        return List.copyOf(ops);
    }

    /** Acknowledged requests to {@code pair} so far. */
    synchronized long acked(String pair) {
        return ops.stream().filter(o -> o.pair().equals(pair) && o.outcome() == Outcome.OK).count();
    }
}
