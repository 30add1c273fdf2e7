package org.openpair.emulator.contract;

import org.openpair.guardian.GuardianProgram;

/** The contract programs other test packages may run. */
public final class ContractProgramsAccess {
    private ContractProgramsAccess() {
    }

    /** {@link ContractPrograms.Server}. */
    public static Class<? extends GuardianProgram> server() {
        return ContractPrograms.Server.class;
    }

    /** {@link ContractPrograms.Counter}. */
    public static Class<? extends GuardianProgram> counter() {
        return ContractPrograms.Counter.class;
    }
}
