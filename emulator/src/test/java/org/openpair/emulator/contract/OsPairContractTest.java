package org.openpair.emulator.contract;

import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.Program;

/** The pair contract with Java OS processes attached to their CPUs. */
class OsPairContractTest extends PairContract {
    @Override
    Program program(Class<? extends GuardianProgram> type) {
        return os(type);
    }

    @Override
    void kill9(ProcessHandle process) {
        kill9Os(process);
    }
}
