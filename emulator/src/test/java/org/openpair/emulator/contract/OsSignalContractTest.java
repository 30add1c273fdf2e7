package org.openpair.emulator.contract;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openpair.emulator.attach.Reports;
import org.openpair.emulator.os.NativeOs;
import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.Program;
import org.openpair.guardian.Signal;
import org.openpair.guardian.Termination;
import org.openpair.guardian.TerminationCause;

/** The signal contract with Java OS processes, whose signal state lives in their own JVM. */
class OsSignalContractTest extends SignalContract {
    @Override
    Program program(Class<? extends GuardianProgram> type) {
        return os(type);
    }

    @Override
    void kill9(ProcessHandle process) {
        kill9Os(process);
    }

    /** A POSIX signal sent to the child JVM from outside meets the same signal state as Guardian.kill's. */
    @Test
    void posixSignalsToTheJvm_reachTheSameHandlers_andSigtermsDefaultIsRecordedByTheCpu() throws Exception {
        ProcessHandle h = spawn(ContractPrograms.Catcher.class, null, 1);
        String log = log(h);
        awaitReport(log, "ready");
        long pid = g.process(h).orElseThrow().pid();
        NativeOs.get().kill(pid, NativeOs.SIGUSR1);
        await("SIGUSR1 from kill(2) caught", () -> Reports.all(log, "caught").size() == 1);
        assertThat(Reports.all(log, "caught")).containsExactly("SIGUSR1#1");
        NativeOs.get().kill(pid, NativeOs.SIGTERM);
        Termination t = awaitEnd(h);
        assertThat(t.cause()).isEqualTo(TerminationCause.SIGNALLED);
        assertThat(t.completionCode()).isEqualTo(5);
        assertThat(t.signal()).isEqualTo(Signal.SIGTERM.number());
        assertThat(t.detail()).contains("SIGTERM");
    }
}
