package org.openpair.emulator.contract;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openpair.emulator.attach.Reports;
import org.openpair.emulator.names.Epochs;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Signal;
import org.openpair.guardian.TakeoverCause;
import org.openpair.guardian.Termination;
import org.openpair.guardian.TerminationCause;

/**
 * The loop-timer contract (DESIGN.md contract 7), once per backend: CPU time, not wall time;
 * SIGTIMEOUT's default ends the process with completion code -1; the backup of a runaway
 * primary takes over.
 */
abstract class LoopTimerContract extends ContractBase {

    @Test
    void spinning_firesOnItsCpuTime_defaultEndsItWithCompletionCodeMinus1() {
        ProcessHandle h = spawn(ContractPrograms.Spinner.class, null, 1, "20");
        String log = log(h);
        assertThat(awaitReport(log, "previous")).isEqualTo("0");
        Termination t = awaitEnd(h);
        assertThat(t.cause()).isEqualTo(TerminationCause.LOOP_TIMEOUT);
        assertThat(t.completionCode()).isEqualTo(-1);
        assertThat(t.signal()).isEqualTo(Signal.SIGTIMEOUT.number());
    }

    @Test
    void sleeping_usesNoCpuTime_neverFires() {
        ProcessHandle h = spawn(ContractPrograms.Sleeper.class, null, 2);
        Termination t = awaitEnd(h);
        assertThat(t.completionCode()).as(t.detail()).isZero();
        assertThat(Reports.last(log(h), "disarmed")).contains("30");
    }

    @Test
    void settings_returnThePrevious_outOfRangeIs2AndChangesNothing() {
        ProcessHandle h = spawn(ContractPrograms.TimerSettings.class, null, 0);
        String log = log(h);
        assertThat(awaitReport(log, "settings")).isEqualTo("0,500,e2,e2,700,0");
    }

    @Test
    void runawayPrimary_isEndedByItsLoopTimer_andTheBackupTakesOverWithTheState() {
        ProcessName n = name();
        ProcessHandle primary = spawn(ContractPrograms.Runaway.class, n, 0, "1");
        var pair = awaitPair(n);
        String backupLog = log(pair.backup());
        String takeover = awaitReport(backupLog, "takeover");
        // CPU 0 named the pair and retired the primary its loop timer ended.
        assertThat(takeover).isEqualTo(TakeoverCause.PRIMARY_LOOP_TIMEOUT + "," + Epochs.next(Epochs.first(0), 0) + ","
                + primary + ",-1");
        assertThat(awaitReport(backupLog, "found")).isEqualTo("20");
    }
    @Test
    void caughtSigtimeout_runsTheHandler_andTheProcessCarriesOn() {
        ProcessHandle h = spawn(ContractPrograms.TimeoutCatcher.class, null, 1);
        String log = log(h);
        assertThat(awaitReport(log, "carriedOn")).isEqualTo("true");
        assertThat(Reports.all(log, "caught")).containsExactly("1", "2");
        Termination t = awaitEnd(h);
        assertThat(t.completionCode()).as(t.detail()).isZero();
    }
}
