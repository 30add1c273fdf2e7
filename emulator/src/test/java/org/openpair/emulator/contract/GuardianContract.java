package org.openpair.emulator.contract;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openpair.guardian.Program;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Termination;

/**
 * The Guardian procedures called from inside a process, once per backend: a process spawns,
 * inspects and stops processes of its own kind, sees itself by name and handle, and gets the
 * same Guardian error number for every bad input whether it is hosted or an OS process whose
 * calls go over the attach socket.
 */
abstract class GuardianContract extends ContractBase {

    private String kind() {
        return program(ContractPrograms.Idle.class) instanceof Program.Java ? "java" : "hosted";
    }

    @Test
    void spawnInspectAndStop_fromAProcess_byHandleByNameAndPair() {
        ProcessName parent = name();
        ProcessName a = name();
        ProcessName b = name();
        ProcessName c = name();
        ProcessHandle h = spawn(ContractPrograms.Spawner.class, parent, 0, kind(), a.toString(), b.toString(),
                c.toString());
        String log = log(h);
        String display = program(ContractPrograms.Idle.class).display();
        assertThat(awaitReport(log, "lookup")).isEqualTo("true," + display + ",true");
        assertThat(awaitReport(log, "pairinfo")).isEqualTo("SINGLE,SINGLE");
        assertThat(awaitReport(log, "compare")).isEqualTo("2,0");
        assertThat(awaitReport(log, "listed")).isEqualTo("3,true,3");
        assertThat(awaitReport(log, "ends")).isEqualTo("6/true,6/true,6/true");
        assertThat(awaitReport(log, "afterwards")).isEqualTo("false,true");
        Termination t = awaitEnd(h);
        assertThat(t.completionCode()).as(t.detail()).isZero();
    }

    @Test
    void itsOwnNameAndHandle_andOneBadInputPerProcedure_giveTheSameErrors() {
        ProcessName n = name();
        ProcessHandle h = spawn(ContractPrograms.GuardianProbe.class, n, 0, n.toString());
        String log = log(h);
        assertThat(awaitReport(log, "self")).isEqualTo("true," + n + ",CALLER_IS_PRIMARY,CALLER_IS_PRIMARY,true,false,true");
        assertThat(awaitReport(log, "semaphores")).isEqualTo("true");
        assertThat(awaitReport(log, "bad")).isEqualTo(EXPECTED_BAD);
        Termination t = awaitEnd(h);
        assertThat(t.completionCode()).as(t.detail()).isZero();
    }

    /**
     * One outcome per bad input: unknown name, stale handle and absent CPU are 14, a pair
     * operation on a single process 2, a taken name 12, an unknown program class 11.
     */
    static final String EXPECTED_BAD = "lookup:false,pairinfo:NO_SUCH_PROCESS,stopName:e14,stopStale:e14,"
            + "stopNoCpu:e14,stopOpposite:e2,stopPairStale:e14,switch:e14,switchSingle:e2,killName:e14,killStale:e14,"
            + "process:false,termination:false,compare:0,spawnDup:e12,spawnNoCpu:e14,spawnNoClass:e11";
}
