package org.openpair.chaos;

/** What a pair of the chaos run serves, which decides how its history is checked. */
enum PairKind {
    /** {@code org.openpair.examples.LedgerServer}: transfers with unique IDs, a log, a conserved total. */
    LEDGER,
    /** {@code org.openpair.examples.KvServer}: keys with a value and a version. */
    KV
}
