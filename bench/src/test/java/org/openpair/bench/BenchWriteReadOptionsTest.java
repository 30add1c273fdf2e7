package org.openpair.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;
import org.openpair.emulator.cli.ExitCodes;
import org.openpair.emulator.cli.GuardianCommand;

/**
 * {@code guardian bench writeread} refuses bad counts with exit code 2 and a message naming the
 * option, before it starts a node (the bench itself runs in
 * {@code bench.WriteReadBenchmarkTest}). Run: {@code mvn -pl bench -am test -Dtest=BenchWriteReadOptionsTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
public class BenchWriteReadOptionsTest {

    /** What a {@code guardian} command line printed and its exit code. */
    public record Result(int exit, String out, String err) {
    }

    /** Runs a {@code guardian} command line in this JVM (also for the chaos command's option tests). */
    public static Result run(String... args) {
        CommandLine cl = GuardianCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    private static void assertUsage(String expected, String... args) {
        Result r = run(args);
        assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).as(String.join(" ", args)).contains(expected);
        // Refused before anything ran: no bench progress, no report.
        assertThat(r.err()).doesNotContain("bench: starting node");
        assertThat(r.out()).doesNotContain("machine:");
    }

    @Test
    void samples_belowTheFullMinimum_withoutSmoke_isUsage() {
        assertUsage("--samples must be at least 20000", "bench", "writeread", "--samples", "19999");
    }

    @Test
    void samples_outOfRange_isUsage_evenWithSmoke() {
        assertUsage("--samples must be 5-1000000: 4", "bench", "writeread", "--smoke", "--samples", "4");
        assertUsage("--samples must be 5-1000000: 1000001", "bench", "writeread", "--samples", "1000001");
    }

    @Test
    void runs_outOfRange_isUsage() {
        assertUsage("--runs must be 1-20: 0", "bench", "writeread", "--smoke", "--runs", "0");
        assertUsage("--runs must be 1-20: 21", "bench", "writeread", "--smoke", "--runs", "21");
    }

    @Test
    void clients_notRising_zero_tooMany_orNotANumber_isUsage() {
        assertUsage("client counts must rise within 1..256", "bench", "writeread", "--smoke", "--clients", "4,1");
        assertUsage("client counts must rise within 1..256", "bench", "writeread", "--smoke", "--clients", "4,4");
        assertUsage("client counts must rise within 1..256", "bench", "writeread", "--smoke", "--clients", "0");
        assertUsage("client counts must rise within 1..256", "bench", "writeread", "--clients", "1,257");
        assertUsage("--clients", "bench", "writeread", "--smoke", "--clients", "one");
    }

    @Test
    void help_namesTheTargets_andTheExitCodes() {
        Result r = run("bench", "writeread", "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("--clients", "--samples", "--runs", "--smoke", "--json", "2.5x", "200,000",
                "Exit codes:");
    }
}
