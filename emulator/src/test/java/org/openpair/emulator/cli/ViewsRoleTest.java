package org.openpair.emulator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.PairStatus;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;

/**
 * STATUS's role column: a member is PRIMARY or BACKUP only where the name table says so; a
 * named process the table does not place (its entry removed or refused) is shown as unknown,
 * so two members of one pair are never both shown as PRIMARY.
 */
class ViewsRoleTest {
    private static final ProcessName LEDG = ProcessName.of("$LEDG");
    private static final ProcessHandle P = new ProcessHandle("n", 0, 3, 11);
    private static final ProcessHandle B = new ProcessHandle("n", 1, 4, 12);
    private static final ProcessHandle OTHER = new ProcessHandle("n", 2, 5, 13);

    private static ProcessInfo named(ProcessHandle h) {
        return new ProcessInfo(h, LEDG, Program.hosted("x.Y"), 150, 0, Instant.EPOCH, null, "log");
    }

    @Test
    void aPairWithoutItsNameEntry_showsBothMembersAsUnknown_neverTwoPrimaries() {
        Map<String, PairInfo> pairs = Map.of("$LEDG", new PairInfo(PairStatus.NO_SUCH_PROCESS, LEDG, null, null, null, 0));
        assertThat(Views.role(named(P), pairs)).isEqualTo("?");
        assertThat(Views.role(named(B), pairs)).isEqualTo("?");
        StringWriter out = new StringWriter();
        Views.statusTable(new PrintWriter(out, true), List.of(named(P), named(B)), pairs);
        assertThat(out.toString()).doesNotContain("PRIMARY").contains("?");
    }

    @Test
    void theEntrysMembers_arePrimaryAndBackup_anyOtherProcessOfTheName_isUnknown() {
        Map<String, PairInfo> pairs = Map.of("$LEDG", new PairInfo(PairStatus.PAIR, LEDG, P, B, null, 17));
        assertThat(Views.role(named(P), pairs)).isEqualTo("PRIMARY");
        assertThat(Views.role(named(B), pairs)).isEqualTo("BACKUP");
        assertThat(Views.role(named(OTHER), pairs)).isEqualTo("?");
        assertThat(Views.role(named(P), Map.of())).isEqualTo("?");
        assertThat(Views.role(new ProcessInfo(P, null, Program.hosted("x.Y"), 150, 0, Instant.EPOCH, null, "log"),
                pairs)).isEmpty();
    }
}
