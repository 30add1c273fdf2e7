package org.openpair.emulator.contract;

import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.Program;

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
}
