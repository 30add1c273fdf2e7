package org.openpair.emulator.contract;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openpair.emulator.attach.Reports;
import org.openpair.emulator.names.Epochs;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.PairStatus;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.TakeoverCause;

/**
 * The process-pair contract (DESIGN.md contracts 2-4), once per backend: a backup on another
 * CPU, checkpoints that reach it in order, takeover with every acknowledged checkpoint applied
 * and nothing else, the -101 message, the higher epoch.
 */
abstract class PairContract extends ContractBase {

    @Test
    void backupOnAnotherCpu_sameProgramKind_eachTheOthersParent() {
        ProcessName n = name();
        ProcessHandle primary = spawn(ContractPrograms.Counter.class, n, 0, "1", "temporary");
        PairInfo pair = awaitPair(n);
        assertThat(pair.status()).isEqualTo(PairStatus.PAIR);
        assertThat(pair.primary()).isEqualTo(primary);
        assertThat(pair.backup().cpu()).isEqualTo(1);
        assertThat(g.process(pair.backup()).orElseThrow().program()).isEqualTo(g.process(primary).orElseThrow().program());
        assertThat(g.process(pair.backup()).orElseThrow().ancestor()).isEqualTo(primary);
        assertThat(g.processHandleCompare(primary, pair.backup())).isEqualTo(1);
    }

    @Test
    void primaryStopped_backupTakesOver_withEveryAcknowledgedCheckpoint_higherEpoch_minus101() {
        ProcessName n = name();
        ProcessHandle primary = spawn(ContractPrograms.Counter.class, n, 0, "1", "temporary");
        PairInfo pair = awaitPair(n);
        String primaryLog = log(primary);
        String backupLog = log(pair.backup());
        await("checkpoints flowing", () -> lastLong(primaryLog, "acked") > 30);

        g.processStop(primary);

        String takeover = awaitReport(backupLog, "takeover");
        // Named on CPU 0, and CPU 0 retired the stopped primary: the next epoch, made by CPU 0.
        long promoted = Epochs.next(Epochs.first(0), 0);
        assertThat(takeover).isEqualTo(TakeoverCause.PRIMARY_STOPPED + "," + promoted + "," + primary + ",6");
        long found = Long.parseLong(awaitReport(backupLog, "found"));
        assertThat(found).isBetween(lastLong(primaryLog, "acked"), lastLong(primaryLog, "sent"));
        assertThat(awaitReport(backupLog, "message")).isEqualTo("-101");
        PairInfo after = g.processGetPairInfo(n);
        assertThat(after.primary()).isEqualTo(pair.backup());
        assertThat(after.backup()).isNull();
        assertThat(after.epoch()).isEqualTo(promoted);
        // The new primary goes on alone, and its checkpoints say so.
        awaitReport(backupLog, "alone");
    }

    @Test
    void primaryKilled_backupTakesOverAsAbended_withTheState() {
        ProcessName n = name();
        ProcessHandle primary = spawn(ContractPrograms.Counter.class, n, 1, "2", "temporary");
        PairInfo pair = awaitPair(n);
        String primaryLog = log(primary);
        String backupLog = log(pair.backup());
        await("checkpoints flowing", () -> lastLong(primaryLog, "acked") > 30);

        kill9(primary);

        String takeover = awaitReport(backupLog, "takeover");
        // CPU 1 named the pair and retired its killed primary.
        assertThat(takeover).startsWith(TakeoverCause.PRIMARY_ABENDED + "," + Epochs.next(Epochs.first(1), 1) + ","
                + primary + ",");
        assertThat(g.termination(primary).orElseThrow().completionCode()).isEqualTo(5);
        long found = Long.parseLong(awaitReport(backupLog, "found"));
        assertThat(found).isBetween(lastLong(primaryLog, "acked"), lastLong(primaryLog, "sent"));
        assertThat(g.processGetPairInfo(n).primary()).isEqualTo(pair.backup());
    }

    @Test
    void backupDies_permanentPolicyRecreatesIt_andTheNewBackupHoldsTheState() {
        ProcessName n = name();
        ProcessHandle primary = spawn(ContractPrograms.Counter.class, n, 0, "1", "permanent");
        PairInfo pair = awaitPair(n);
        String primaryLog = log(primary);
        await("checkpoints flowing", () -> lastLong(primaryLog, "acked") > 20);
        g.processStop(pair.backup());
        await("a new, ready backup", () -> {
            PairInfo p = g.processGetPairInfo(n);
            return p.backup() != null && !p.backup().equals(pair.backup()) && ready(n);
        });
        ProcessHandle second = g.processGetPairInfo(n).backup();
        String secondLog = log(second);
        long before = lastLong(primaryLog, "acked");
        g.processStop(primary);
        long found = Long.parseLong(awaitReport(secondLog, "found"));
        assertThat(found).isGreaterThanOrEqualTo(before).isBetween(lastLong(primaryLog, "acked"), lastLong(primaryLog, "sent"));
    }

    @Test
    void pipelinedCheckpoints_reachTheBackupInOrder_eachOnce_allAcknowledgedAppliedAtTakeover() {
        ProcessName n = name();
        ProcessHandle primary = spawn(ContractPrograms.Sequence.class, n, 0, "2", "100000");
        PairInfo pair = awaitPair(n);
        String primaryLog = log(primary);
        String backupLog = log(pair.backup());
        await("progress", () -> lastLong(primaryLog, "acked") > 2000);
        g.processStop(primary);
        long applied = Long.parseLong(awaitReport(backupLog, "applied"));
        assertThat(applied).isBetween(lastLong(primaryLog, "acked"), lastLong(primaryLog, "sent"));
        assertThat(Reports.all(backupLog, "violation")).isEmpty();
    }

    @Test
    void checkpointAlone_isNoBackup_overTheLimitIs22_secondBackupIs12_awaitTakeoverAsPrimaryIs2() {
        ProcessName n = name();
        ProcessHandle p = spawn(ContractPrograms.Limits.class, n, 0, "1");
        String log = log(p);
        assertThat(awaitReport(log, "paired")).isEqualTo("OK");
        assertThat(Reports.last(log, "alone")).contains("NO_BACKUP");
        assertThat(Reports.last(log, "oversize")).contains("22");
        assertThat(Reports.last(log, "awaitAsPrimary")).contains("2");
        assertThat(Reports.last(log, "secondBackup")).contains("12");
    }
}
