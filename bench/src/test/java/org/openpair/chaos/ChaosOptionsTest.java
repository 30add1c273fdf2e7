package org.openpair.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.openpair.bench.BenchWriteReadOptionsTest.run;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import org.openpair.bench.BenchWriteReadOptionsTest.Result;
import org.openpair.emulator.cli.ExitCodes;

/**
 * {@code guardian chaos --lease-millis}: a lease the node would refuse is refused with exit code
 * 2 before anything starts; a good one puts the plan's pauses just below and just above it.
 */
class ChaosOptionsTest {

    private static void assertUsage(String expected, String... args) {
        Result r = run(args);
        assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).as(String.join(" ", args)).contains(expected);
        // Refused before anything ran: no node, no plan.
        assertThat(r.err()).doesNotContain("chaos: seed");
        assertThat(r.out()).doesNotContain("seed ");
    }

    @Test
    void aLeaseTheNodeWouldRefuse_isUsage_beforeAnythingStarts() {
        assertUsage("lease must be 0 (off) or at least 200 ms: 199", "chaos", "--lease-millis", "199", "--plan");
        assertUsage("lease must be 0 (off) or at least 200 ms: -1", "chaos", "--lease-millis", "-1", "--plan");
        assertUsage("lease (4000 ms) must be shorter than the heartbeat timeout less one interval (4000 ms)",
                "chaos", "--lease-millis", "4000", "--heartbeat-timeout", "5", "--plan");
        assertUsage("--lease-millis", "chaos", "--lease-millis", "soon", "--plan");
    }

    @Test
    void aLease_putsThePausesJustBelowAndJustAboveIt_noneMeansTheHeartbeatsShare() {
        List<Long> withLease = pauses(run("chaos", "--seed", "42", "--faults", "60", "--lease-millis", "1000", "--plan"));
        assertThat(withLease).hasSize(6).allSatisfy(ms -> assertThat((ms >= 700 && ms <= 950) || (ms >= 1050 && ms <= 1500))
                .as("%d ms", ms).isTrue());
        List<Long> without = pauses(run("chaos", "--seed", "42", "--faults", "60", "--lease-millis", "0", "--plan"));
        assertThat(without).hasSize(6).allSatisfy(ms -> assertThat(ms).isLessThanOrEqualTo(2500));
    }

    @Test
    void noLeaseGiven_isANodesDefault_theAdvisedLease_orNoneWhenTheHeartbeatLeavesNoRoom() {
        assertThat(pauses(run("chaos", "--seed", "42", "--faults", "60", "--plan")))
                .isEqualTo(pauses(run("chaos", "--seed", "42", "--faults", "60", "--lease-millis", "1000", "--plan")));
        // A 2 s heartbeat timeout less its 1 s interval leaves no room for a 1 s lease: none, and no refusal.
        assertThat(pauses(run("chaos", "--seed", "42", "--faults", "60", "--heartbeat-timeout", "2", "--plan")))
                .isEqualTo(pauses(run("chaos", "--seed", "42", "--faults", "60", "--heartbeat-timeout", "2",
                        "--lease-millis", "0", "--plan")));
    }

    private static List<Long> pauses(Result r) {
        assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.OK);
        Matcher m = Pattern.compile("pause-primary-cpu \\S+ (\\d+) ms").matcher(r.out());
        List<Long> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(Long.parseLong(m.group(1)));
        }
        return out;
    }
}
