package org.openpair.emulator.contract;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openpair.guardian.Consistency;
import org.openpair.guardian.ProcessHandle;

/**
 * The robust-semaphore contract (DESIGN.md contract 9), once per backend: permits belong to a
 * process; when it dies (here: as abruptly as its kind allows) they come back at once and the
 * next acquirer is told, finds the last committed state, repairs it and goes on.
 */
abstract class SemaphoreContract extends ContractBase {

    @Test
    void holderKilled_permitReturns_nextAcquirerToldOwnerDied_findsCommittedState_repairs() {
        String sem = "contract." + name().bare().toLowerCase(java.util.Locale.ROOT);
        ProcessHandle holder = spawn(ContractPrograms.SemHolder.class, null, 1, sem);
        String holderLog = log(holder);
        assertThat(awaitReport(holderLog, "held")).isEqualTo("1");
        ProcessHandle waiter = spawn(ContractPrograms.SemWaiter.class, null, 2, sem);
        String waiterLog = log(waiter);

        kill9(holder);

        assertThat(awaitReport(waiterLog, "available")).isEqualTo("1");
        assertThat(awaitReport(waiterLog, "ownerDied")).isEqualTo("true");
        assertThat(awaitReport(waiterLog, "deadOwners")).contains(holder.toString());
        assertThat(awaitReport(waiterLog, "n")).isEqualTo("41");
        assertThat(awaitReport(waiterLog, "consistency")).isEqualTo(Consistency.OWNER_DIED.toString());
        assertThat(awaitReport(waiterLog, "repaired")).isEqualTo("42," + Consistency.CONSISTENT);
        // acquire(0) 2, release beyond what is held 2, no such semaphore 11, bad name 13.
        assertThat(awaitReport(waiterLog, "errors")).isEqualTo("2,2,11,13");
    }
}
