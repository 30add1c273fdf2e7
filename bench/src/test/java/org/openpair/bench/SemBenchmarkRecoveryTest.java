package org.openpair.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recovery report of {@code guardian bench sem} runs end to end with real holder JVMs killed
 * by SIGKILL (figures are not judged here): every kill is one sample of each primitive, and the
 * segments it made are gone afterwards.
 */
class SemBenchmarkRecoveryTest {
    @Test
    void twoKills_giveTwoSamplesOfEachPrimitive_andLeaveNoSegment(@TempDir Path dir) throws Exception {
        StringWriter progress = new StringWriter();
        SemBenchmark bench = new SemBenchmark(new SemBenchmark.Counts(1, 1, 2, 1, 1), new PrintWriter(progress, true));

        BenchReport report = bench.recovery(Machine.current(), dir, "recovery-test");

        assertThat(report.baseline().name()).isEqualTo("sysv-undo-kill9-recovery");
        assertThat(report.cases()).extracting(BenchReport.Case::name).containsExactly("shm-kill9-recovery");
        assertThat(report.baseline().stats().n()).isEqualTo(2);
        assertThat(report.cases().get(0).stats().n()).isEqualTo(2);
        // A waiter cannot hold before its holder was killed: every interval is positive.
        assertThat(report.cases().get(0).stats().p50()).isPositive();
        assertThat(report.baseline().stats().p50()).isPositive();
        // The POSIX named semaphore has no owner, so its waiter stays blocked in every run.
        assertThat(bench.notes()).singleElement().asString().contains("in 2 of 2 runs");
        assertThat(progress.toString()).contains("recovery: 2 kill -9");
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }
    }
}
