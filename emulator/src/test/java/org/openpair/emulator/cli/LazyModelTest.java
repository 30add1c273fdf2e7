package org.openpair.emulator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpair.emulator.config.ConfigSources;

import picocli.CommandLine;

/**
 * The model a call builds (the root and the subcommand it names) says and parses what the full
 * model does: same help for each subcommand, same version, and the full model wherever all
 * commands must show (no subcommand, help, completion, an unknown command).
 */
class LazyModelTest {
    @TempDir
    Path dir;

    private ConfigSources sources() {
        return new ConfigSources(dir, dir, Map.of(), dir);
    }

    private static String run(CommandLine cl, String... args) {
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(out, true));
        int code = cl.execute(args);
        return "exit " + code + "\n" + out;
    }

    @Test
    void eachBuiltIn_getsOnlyItself_withTheSameHelpAsInTheFullModel() {
        CommandLine full = GuardianCommand.commandLine(sources());
        assertThat(GuardianCommand.builtIns()).hasSize(16).contains("status", "run", "send", "sem", "cpu", "node", "events", "key",
                "upgrade");
        for (String name : GuardianCommand.builtIns()) {
            if (name.equals("completion")) {
                continue;
            }
            CommandLine lazy = GuardianCommand.commandLineFor(new String[] {name, "--help"}, sources());
            assertThat(lazy.getSubcommands().keySet()).as(name).containsExactly(name);
            assertThat(lazy.getSubcommands().get(name).getUsageMessage()).as(name)
                    .isEqualTo(full.getSubcommands().get(name).getUsageMessage());
            // Nested subcommands come with their parent.
            assertThat(lazy.getSubcommands().get(name).getSubcommands().keySet()).as(name)
                    .isEqualTo(full.getSubcommands().get(name).getSubcommands().keySet());
        }
        assertThat(run(GuardianCommand.commandLineFor(new String[] {"run", "--help"}, sources()), "run", "--help"))
                .isEqualTo(run(GuardianCommand.commandLine(sources()), "run", "--help"));
    }

    @Test
    void version_isTheRootAlone_andSaysTheSame() {
        CommandLine lazy = GuardianCommand.commandLineFor(new String[] {"--version"}, sources());
        assertThat(lazy.getSubcommands()).isEmpty();
        assertThat(run(lazy, "--version")).isEqualTo(run(GuardianCommand.commandLine(sources()), "--version"));
    }

    @Test
    void noSubcommand_help_completion_andUnknownCommands_getTheFullModel() {
        int all = GuardianCommand.commandLine(sources()).getSubcommands().size();
        for (String[] args : new String[][] {{}, {"help"}, {"completion"}, {"stauts"}, {"--help"}, {"-V", "status"}}) {
            assertThat(GuardianCommand.commandLineFor(args, sources()).getSubcommands()).as(String.join(" ", args))
                    .hasSize(all);
        }
        // Picocli suggests the nearest commands, which it can only do with all of them.
        String unknown = run(GuardianCommand.commandLineFor(new String[] {"stauts"}, sources()), "stauts");
        assertThat(unknown).startsWith("exit 2").contains("'stauts'").contains("guardian status");
        assertThat(unknown).isEqualTo(run(GuardianCommand.commandLine(sources()), "stauts"));
        String none = run(GuardianCommand.commandLineFor(new String[] {}, sources()));
        assertThat(none).startsWith("exit 2");
        for (String name : GuardianCommand.builtIns()) {
            assertThat(none).as("the usage lists %s", name).contains("  " + name + " ");
        }
    }

    @Test
    void aBadOptionOfASubcommand_isTheSameUsageErrorAsWithTheFullModel() {
        String lazy = run(GuardianCommand.commandLineFor(new String[] {"status", "--bogus"}, sources()), "status", "--bogus");
        assertThat(lazy).startsWith("exit 2");
        assertThat(lazy).isEqualTo(run(GuardianCommand.commandLine(sources()), "status", "--bogus"));
    }
}
