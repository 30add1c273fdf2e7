package org.openpair.chaos;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The key-value store's history against the final version and value of each key. One client
 * alone writes a key, one request at a time, and every value is unique, so the key's version
 * counts the writes applied to it and bounds what each reply may say: before the acknowledged
 * write j, at least the writes acknowledged earlier and at most those plus the unknown ones
 * were applied, so {@code acked(<j) + 1 <= version(j) <= acked(<j) + unknown(<j) + 1}. Below
 * that an acknowledged write was undone (lost); above it a request ran twice. The final state
 * is held to the same bounds, its value must be one a client wrote (and not one whose client
 * was told it failed), and equal to the last acknowledged write when the version says nothing
 * came after it. The reply's previous value shows where an unknown write landed: after a write
 * its client sent once it had closed the unknown one's open means it was applied late.
 *
 * <p>Writes to a key are ordered by invocation: each key has one writer at a time (a client's
 * own keys; the state growth's keys, written by one fault after another).
 *
 * <p>Counts are lower bounds: a lost write and a repeated one in the same stretch cancel out in
 * the version, though the values usually still show the loss.
 */
final class KvCheck {
    private KvCheck() {
    }

    static List<Violation> check(List<Op> ops, FinalState f) {
        List<Violation> found = new ArrayList<>();
        Map<String, List<Op>> byKey = ops.stream().collect(Collectors.groupingBy(Op::key));
        for (Map.Entry<String, List<Op>> e : byKey.entrySet()) {
            List<Op> writes = new ArrayList<>(e.getValue());
            // One writer at a time per key (a client's own keys; the state growth's, one fault after another).
            writes.sort(Comparator.comparingLong(Op::invokeNanos));
            found.addAll(checkKey(f, e.getKey(), writes));
        }
        return found;
    }

    private static List<Violation> checkKey(FinalState f, String key, List<Op> writes) {
        List<Violation> found = new ArrayList<>();
        String pair = f.pair();
        Map<String, Op> byValue = new HashMap<>();
        writes.forEach(w -> byValue.put(w.id(), w));
        int acked = 0;
        int unknown = 0;
        long lost = 0;
        long twice = 0;
        Op lastAcked = null;
        for (Op w : writes) {
            if (w.outcome() == Outcome.OK) {
                long low = acked + 1L;
                long high = acked + unknown + 1L;
                if (w.version() < low && low - w.version() > lost) {
                    found.add(new Violation(Violation.Type.ACKED_LOST, pair, ackOf(writes, w), "key " + key + ": write "
                            + w.id() + " got version " + w.version() + " after " + acked + " acknowledged writes: "
                            + (low - w.version() - lost) + " acknowledged write(s) undone"));
                    lost = low - w.version();
                }
                if (w.version() > high && w.version() - high > twice) {
                    found.add(new Violation(Violation.Type.APPLIED_TWICE, pair, w.doneNanos(), "key " + key + ": write "
                            + w.id() + " got version " + w.version() + " though only " + acked + " acknowledged and "
                            + unknown + " unknown writes came before it"));
                    twice = w.version() - high;
                }
                found.addAll(previous(pair, key, w, writes, byValue));
                acked++;
                lastAcked = w;
            } else if (w.outcome() == Outcome.UNKNOWN) {
                unknown++;
            }
        }
        if (!f.readable()) {
            if (acked > 0) {
                found.add(new Violation(Violation.Type.ACKED_LOST, pair, lastAcked.doneNanos(), "key " + key + ": "
                        + acked + " acknowledged writes, and the store could not be read at the end: " + f.error()));
            }
            return found;
        }
        long version = f.versions().getOrDefault(key, 0L);
        String value = f.values().getOrDefault(key, "-");
        if (version < acked && acked - version > lost) {
            found.add(new Violation(Violation.Type.ACKED_LOST, pair, lastAcked.doneNanos(), "key " + key
                    + ": final version " + version + " after " + acked + " acknowledged writes"));
        } else if (version > acked + unknown && version - acked - unknown > twice) {
            found.add(new Violation(Violation.Type.APPLIED_TWICE, pair, Long.MAX_VALUE, "key " + key + ": final version "
                    + version + " after " + acked + " acknowledged and " + unknown + " unknown writes"));
        }
        Op holder = byValue.get(value);
        if (!value.equals("-") && (holder == null || holder.outcome() == Outcome.FAILED)) {
            found.add(new Violation(Violation.Type.PHANTOM, pair, Long.MAX_VALUE, "key " + key + " holds "
                    + shorten(value) + (holder == null ? ", which no client wrote" : ", a write its client was told failed")));
        } else if (lastAcked != null && version == lastAcked.version() && !value.equals(lastAcked.id())) {
            found.add(new Violation(Violation.Type.ACKED_LOST, pair, lastAcked.doneNanos(), "key " + key + " holds "
                    + shorten(value) + " at version " + version + ", not the last acknowledged write " + lastAcked.id()));
        } else if (holder != null && holder.outcome() == Outcome.UNKNOWN) {
            Op after = firstAckedAfterClose(holder, writes);
            if (after != null && version > 0) {
                found.add(new Violation(Violation.Type.LATE_APPLY, pair, after.doneNanos(), "key " + key + " ends with "
                        + "write " + holder.id() + " (outcome unknown: " + holder.detail() + "), applied after write "
                        + after.id() + ", which its client sent after closing the open of the first"));
            }
        }
        return found;
    }

    /** What the reply's previous value says about the write applied just before this one. */
    private static List<Violation> previous(String pair, String key, Op w, List<Op> writes, Map<String, Op> byValue) {
        if (w.previous() == null || w.previous().equals("-")) {
            return List.of();
        }
        Op before = byValue.get(w.previous());
        if (before == null || before.outcome() == Outcome.FAILED) {
            return List.of(new Violation(Violation.Type.PHANTOM, pair, w.doneNanos(), "key " + key + ": write " + w.id()
                    + " replaced " + shorten(w.previous()) + (before == null ? ", which no client wrote"
                    : ", a write its client was told failed")));
        }
        if (before.outcome() == Outcome.UNKNOWN && before.closedNanos() >= 0) {
            Op after = firstAckedAfterClose(before, writes);
            if (after != null && after.invokeNanos() < w.invokeNanos()) {
                return List.of(new Violation(Violation.Type.LATE_APPLY, pair, w.doneNanos(), "key " + key + ": write "
                        + before.id() + " (outcome unknown: " + before.detail() + ") was applied after write "
                        + after.id() + ", which its client sent after closing the open of the first"));
            }
        }
        return List.of();
    }

    private static Op firstAckedAfterClose(Op unknown, List<Op> writes) {
        if (unknown.closedNanos() < 0) {
            return null;
        }
        return writes.stream().filter(o -> o.outcome() == Outcome.OK && o.invokeNanos() > unknown.closedNanos())
                .findFirst().orElse(null);
    }

    /** The lost write was acknowledged before this reply showed it gone: charge the last one. */
    private static long ackOf(List<Op> writes, Op showing) {
        long last = showing.doneNanos();
        for (Op o : writes) {
            if (o.outcome() == Outcome.OK && o.invokeNanos() < showing.invokeNanos()) {
                last = o.doneNanos();
            }
        }
        return last;
    }

    private static String shorten(String value) {
        return value.length() > 40 ? value.substring(0, 40) + "..." : value;
    }
}
