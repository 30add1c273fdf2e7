package org.openpair.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The report's slowest recoveries: which made faults took their pairs longest to answer a new request. */
class ChaosReportTest {
    private static final long MS = 1_000_000;

    private static ChaosResult result(List<FaultRecord> faults, List<Op> history) {
        ChaosSettings settings = new ChaosSettings(1, faults.size(), 3, 2, ChaosSettings.DEFAULT_RATE, 5, 0,
                Duration.ofSeconds(30), Duration.ofMinutes(15), null, false);
        return new ChaosResult(settings, faults, history, List.of(), List.of(), 1000);
    }

    private static FaultRecord made(int index, FaultKind kind, String pair, long startMs, String note) {
        return new FaultRecord(new Fault(index, kind, 0, 0), pair, startMs * MS, startMs * MS, null, note);
    }

    private static Op op(String pair, long invokeMs, long doneMs, Outcome outcome) {
        return new Op(pair, "c0", 1, 1, "put", "id", "k", invokeMs * MS, doneMs * MS, outcome, 1, 1, null, null, 0);
    }

    @Test
    void slowestFirst_namedByFaultKindAndPair_withTheFirstLineOfTheNote() {
        ChaosResult r = result(List.of(
                        made(1, FaultKind.SWITCH, "$KV", 1000, "switched, epoch 33"),
                        made(2, FaultKind.PARTITION_BACKUP, "$LEDG", 2000, "cut CPU 1 off, healed\nthread dumps: ..."),
                        made(3, FaultKind.KILL_PRIMARY_CPU, "$KV", 3000, "")),
                List.of(
                        // Sent before fault 1 and answered after it: not a sign the pair serves again.
                        op("$KV", 900, 1100, Outcome.OK),
                        op("$KV", 1001, 1050, Outcome.OK),
                        op("$LEDG", 2001, 2500, Outcome.FAILED),
                        op("$LEDG", 2600, 30600, Outcome.OK),
                        op("$KV", 3100, 3200, Outcome.OK)));
        assertThat(ChaosReport.of(r).slowestRecoveries(3)).containsExactly(
                "fault 2 partition-backup on $LEDG: 28600 ms (cut CPU 1 off, healed)",
                "fault 3 kill-primary-cpu on $KV: 200 ms",
                "fault 1 switch on $KV: 50 ms (switched, epoch 33)");
        assertThat(ChaosReport.of(r).slowestRecoveries(1)).hasSize(1);
    }

    @Test
    void skippedFaults_andPairsThatNeverAnsweredAgain_areNotListed() {
        FaultRecord skipped = new FaultRecord(new Fault(1, FaultKind.SWITCH, 0, 0), "$KV", 0, 0, "the pair had no backup",
                "");
        ChaosResult r = result(List.of(skipped, made(2, FaultKind.KILL_BACKUP_CPU, "$LEDO", 1000, "killed CPU 2")),
                List.of(op("$KV", 10, 20, Outcome.OK), op("$LEDO", 1500, 1600, Outcome.UNKNOWN)));
        assertThat(ChaosReport.of(r).slowestRecoveries(3)).isEmpty();
    }
}
