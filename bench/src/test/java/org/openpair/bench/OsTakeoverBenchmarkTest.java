package org.openpair.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

/** {@code guardian bench takeover --os} runs end to end and reports its cases (figures are not judged here). */
class OsTakeoverBenchmarkTest {
    @Test
    void oneRun_reportsAttachKill9AndTheHostedBaseline() {
        StringWriter progress = new StringWriter();
        BenchReport report = new OsTakeoverBenchmark(1, new PrintWriter(progress, true)).run();
        assertThat(report.cases()).extracting(BenchReport.Case::name).containsExactly("os-attach", "os-kill9");
        assertThat(report.baseline().name()).isEqualTo("hosted-abend");
        assertThat(report.cases()).allSatisfy(c -> assertThat(c.stats().n()).isEqualTo(1));
        assertThat(report.jsonLines()).anySatisfy(l -> assertThat(l).contains("\"case\":\"os-kill9\"")
                .contains("\"baseline\":\"hosted-abend\""));
        assertThat(progress.toString()).contains("run 1/1");
    }
}
