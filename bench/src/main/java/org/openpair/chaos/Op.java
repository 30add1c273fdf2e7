package org.openpair.chaos;

/**
 * One request of the history: who sent what to which pair, when it was invoked and when its
 * outcome was known (both {@link System#nanoTime()}), and what the reply said.
 *
 * <p>For the ledger, {@code id} is the transfer ID; for the key-value pair, {@code key} and
 * {@code value} (unique per write) and the reply's {@code version} (how many writes the key had
 * with this one) and {@code previous} value. {@code epoch} is the replying primary's epoch, or
 * -1 without a reply. {@code closedNanos} is when the client closed the open an unknown request
 * was sent on (it never sends on that open again), or -1.
 *
 * @param pair        the pair's name, {@code $LEDG}
 * @param client      the client's tag, unique in the run
 * @param seq         the client's request number, from 1, in the order it sent them
 * @param open        the client's open number the request was sent on
 * @param kind        {@code XFER} or {@code PUT}
 * @param id          transfer ID (ledger) or the unique value written (key-value)
 * @param key         the key written, or {@code null} for the ledger
 * @param invokeNanos when the request was handed to WRITEREAD
 * @param doneNanos   when its outcome was known
 * @param outcome     ok, failed or unknown
 * @param epoch       the epoch in the reply, or -1
 * @param version     the key's version in the reply, or -1
 * @param previous    the key's previous value in the reply, or {@code null}
 * @param detail      the reply or the error, for the report
 * @param closedNanos when an unknown request's open was closed, or -1
 */
record Op(String pair, String client, long seq, int open, String kind, String id, String key, long invokeNanos,
          long doneNanos, Outcome outcome, long epoch, long version, String previous, String detail,
          long closedNanos) {

    Op withClosed(long nanos) {
        return new Op(pair, client, seq, open, kind, id, key, invokeNanos, doneNanos, outcome, epoch, version, previous,
                detail, nanos);
    }
}
