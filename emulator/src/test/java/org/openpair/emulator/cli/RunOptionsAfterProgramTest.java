package org.openpair.emulator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpair.emulator.config.ConfigSources;
import org.openpair.emulator.config.LoopbackPorts;

/**
 * A guardian option after PROGRAM is the program's, with a warning; here with no node up, so
 * the warning is seen to come before the command goes on (it then fails as unreachable). That
 * the program is still run, with those arguments, is checked against a node in CliIT.
 */
class RunOptionsAfterProgramTest {
    @TempDir
    Path dir;

    private InProcess.Result run(String... args) {
        ConfigSources sources = new ConfigSources(dir, dir,
                Map.of("OPENPAIR_NODE", "NOBODY", "OPENPAIR_BASE_PORT", String.valueOf(LoopbackPorts.block(16))), dir);
        String[] line = new String[args.length + 1];
        line[0] = "run";
        System.arraycopy(args, 0, line, 1, args.length);
        return InProcess.execute(sources, line);
    }

    @Test
    void aGuardianOptionAfterProgram_getsOneWarningLine_andTheCommandGoesOn() {
        InProcess.Result r = run("--name", "x", "sleep", "60", "--cpu", "1");
        assertThat(r.errLines()).as("%s", r).hasSize(2);
        assertThat(r.errLines().get(0)).isEqualTo(
                "guardian: warning: '--cpu' after PROGRAM is passed to the program; put guardian options before PROGRAM");
        assertThat(r.errLines().get(1)).contains("is not running");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.UNREACHABLE);
    }

    @Test
    void severalOptions_oneLineNamingEach_withTheirValuesIfJoined() {
        InProcess.Result r = run("sleep", "60", "--name=srv", "--node", "X", "--cpu", "--cpu");
        assertThat(r.errLines().get(0)).isEqualTo("guardian: warning: '--name=srv', '--node', '--cpu' after PROGRAM "
                + "are passed to the program; put guardian options before PROGRAM");
    }

    @Test
    void programArgumentsThatAreNoGuardianOption_orAreShort_getNoWarning() {
        InProcess.Result r = run("ls", "-h", "-V", "--color", "--cpus", "cpu");
        assertThat(r.errLines()).as("%s", r).singleElement().asString().contains("is not running");
    }

    @Test
    void runHelp_saysOptionsAfterProgramAreTheProgramsWithAnExample() {
        InProcess.Result r = run("--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out().replaceAll("\\s+", " ")).contains("everything after it is the program's arguments")
                .contains("'--cpu 2' goes to ls").contains("guardian warns");
    }
}
