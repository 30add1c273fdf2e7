package org.openpair.emulator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** {@code guardian completion} prints a script bash accepts, which completes the subcommands. */
class CompletionCommandTest {
    @TempDir
    Path dir;

    @Test
    void completion_printsAScriptBashLoadsAndUses() throws IOException, InterruptedException {
        Path script = dir.resolve("guardian.bash");
        Files.writeString(script, completionScript());

        assertThat(bash(List.of("-n", script.toString()))).isEqualTo(new Result(0, ""));

        Result registered = bash(List.of("-c", "source \"$1\" && complete -p guardian", "_", script.toString()));
        assertThat(registered.exit()).isZero();
        assertThat(registered.out()).isEqualTo("complete -o default -F _complete_guardian guardian\n");

        // Completing "guardian st" the way bash would: COMP_WORDS and COMP_CWORD, then the function.
        Result words = bash(List.of("-c", "source \"$1\" && COMP_WORDS=(guardian st) && COMP_CWORD=1 "
                + "&& COMP_LINE='guardian st' && COMP_POINT=11 && _complete_guardian && printf '%s\\n' \"${COMPREPLY[@]}\"",
                "_", script.toString()));
        assertThat(words.exit()).isZero();
        assertThat(words.out().lines()).contains("status", "stop").doesNotContain("cpus", "run");
    }

    @Test
    void completion_knowsEverySubcommandAndOption() {
        String script = completionScript();
        CommandLine root = GuardianCommand.commandLine();
        for (String sub : root.getSubcommands().keySet()) {
            assertThat(script).as("subcommand %s", sub).contains(sub);
        }
        for (String option : root.getSubcommands().get("run").getCommandSpec().optionsMap().keySet()) {
            assertThat(script).as("run option %s", option).contains(option);
        }
    }

    private static String completionScript() {
        CommandLine cl = GuardianCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        assertThat(cl.execute("completion")).isEqualTo(ExitCodes.OK);
        assertThat(err.toString()).isEmpty();
        assertThat(out.toString()).contains("complete -F _complete_guardian").endsWith("\n");
        return out.toString();
    }

    private record Result(int exit, String out) {
    }

    private Result bash(List<String> args) throws IOException, InterruptedException {
        Path out = dir.resolve("bash.out");
        List<String> command = new java.util.ArrayList<>(List.of("bash", "--norc", "--noprofile"));
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile()).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            throw new AssertionError("bash " + args + " did not finish within 30 s");
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }
}
