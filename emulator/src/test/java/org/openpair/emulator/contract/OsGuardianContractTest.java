package org.openpair.emulator.contract;

import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.Program;

/** The Guardian contract with Java OS processes attached to their CPUs, their calls over the attach socket. */
class OsGuardianContractTest extends GuardianContract {
    @Override
    Program program(Class<? extends GuardianProgram> type) {
        return os(type);
    }

    @Override
    void kill9(ProcessHandle process) {
        kill9Os(process);
    }
}
