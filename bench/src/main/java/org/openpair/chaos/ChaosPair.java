package org.openpair.chaos;

import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;

/**
 * One pair the run keeps under load: its name, what it serves, and how it is spawned. The three
 * of a run are the hosted ledger, the hosted key-value store written as docs/concepts.md teaches, and
 * the ledger again as a pair of Java OS processes (each member a JVM its CPU spawned), whose
 * primary alone can be killed with SIGKILL.
 *
 * @param name       the pair's name
 * @param kind       what it serves
 * @param osProcess  true for a pair of Java OS processes
 * @param primaryCpu where its first primary runs
 */
record ChaosPair(ProcessName name, PairKind kind, boolean osProcess, int primaryCpu) {
    static final String LEDGER_SERVER = "org.openpair.examples.LedgerServer";
    static final String KV_SERVER = "org.openpair.examples.KvServer";
    static final int ACCOUNTS = 10;
    /** So large that no transfer is ever refused for want of funds: a refusal would be a definite failure. */
    static final long OPENING = 1_000_000_000L;

    SpawnRequest spawn() {
        String server = kind == PairKind.LEDGER ? LEDGER_SERVER : KV_SERVER;
        Program program = osProcess ? Program.java(server) : Program.hosted(server);
        SpawnRequest.Builder b = SpawnRequest.of(program).name(name.toString()).cpu(primaryCpu);
        if (kind == PairKind.LEDGER) {
            b.args("any", String.valueOf(ACCOUNTS), String.valueOf(OPENING));
        }
        return b.build();
    }

    /** The ledger's opening total. */
    long expectedTotal() {
        return ACCOUNTS * OPENING;
    }

    @Override
    public String toString() {
        return name + (osProcess ? " (OS processes)" : "");
    }
}
