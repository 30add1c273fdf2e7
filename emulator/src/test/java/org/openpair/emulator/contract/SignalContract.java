package org.openpair.emulator.contract;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openpair.emulator.attach.Reports;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Signal;
import org.openpair.guardian.Termination;
import org.openpair.guardian.TerminationCause;

/**
 * The signal contract, once per backend: the signal state (actions, mask, pending) belongs to
 * the process, wherever it runs, and every signal for it reaches that state: kill from another
 * CPU reaches its handler and a default action ends it; blocked signals wait and arrive in
 * order; SUPPLANT_ then RESTORE_ gives back exactly the earlier state.
 */
abstract class SignalContract extends ContractBase {

    @Test
    void killFromAnotherCpu_reachesTheHandler_byHandleAndName_thenSigtermsDefaultEndsIt() {
        ProcessName n = name();
        ProcessHandle h = spawn(ContractPrograms.Catcher.class, n, 1);
        String log = log(h);
        awaitReport(log, "ready");
        Guardian other = node.cpu(2).guardian();
        other.kill(h, Signal.SIGUSR1);
        await("the first SIGUSR1 caught", () -> Reports.all(log, "caught").size() == 1);
        other.kill(n, Signal.SIGUSR1);
        await("the second SIGUSR1 caught", () -> Reports.all(log, "caught").size() == 2);
        assertThat(Reports.all(log, "caught")).containsExactly("SIGUSR1#1", "SIGUSR1#2");
        other.kill(h, Signal.SIGTERM);
        Termination t = awaitEnd(h);
        assertThat(t.cause()).isEqualTo(TerminationCause.SIGNALLED);
        assertThat(t.completionCode()).isEqualTo(5);
        assertThat(t.signal()).isEqualTo(Signal.SIGTERM.number());
    }

    @Test
    void blockedSignals_stayPending_andArriveInOrderOnUnblock() {
        ProcessHandle h = spawn(ContractPrograms.Blocker.class, null, 1);
        String log = log(h);
        awaitReport(log, "blocked");
        for (Signal s : new Signal[] {Signal.SIGUSR2, Signal.SIGHUP, Signal.SIGUSR1}) {
            g.kill(h, s);
        }
        assertThat(awaitReport(log, "pending")).isEqualTo("[SIGUSR2, SIGHUP, SIGUSR1],0");
        assertThat(awaitReport(log, "order")).isEqualTo("SIGUSR2,SIGHUP,SIGUSR1");
        Termination t = awaitEnd(h);
        assertThat(t.completionCode()).as(t.detail()).isZero();
    }

    @Test
    void supplantThenRestore_leavesExactlyTheEarlierState_andDeliversWhatWasHeldBack() {
        ProcessHandle h = spawn(ContractPrograms.SupplantRestore.class, null, 2);
        String restored = awaitReport(log(h), "restored");
        assertThat(restored).startsWith("true,true,true,[SIGUSR1],[mine:SIGUSR1],");
        assertThat(restored).endsWith("/[SIGALRM]");
    }
}
