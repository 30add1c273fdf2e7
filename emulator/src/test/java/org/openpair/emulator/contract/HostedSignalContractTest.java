package org.openpair.emulator.contract;

import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.Program;

/** The signal contract with hosted programs. */
class HostedSignalContractTest extends SignalContract {
    @Override
    Program program(Class<? extends GuardianProgram> type) {
        return hosted(type);
    }

    @Override
    void kill9(ProcessHandle process) {
        kill9Hosted(process);
    }
}
