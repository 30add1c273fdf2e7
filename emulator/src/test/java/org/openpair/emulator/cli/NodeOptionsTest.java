package org.openpair.emulator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpair.emulator.config.ConfigSources;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.config.NodeConfigFile;

import picocli.CommandLine;

/** The node options as a command sees them: flag over variable over file over default, and what a bad variable does. */
class NodeOptionsTest {
    @TempDir
    Path dir;

    private final Map<String, String> env = new HashMap<>();

    private ConfigSources sources() {
        return new ConfigSources(dir, dir.resolve("home"), env, dir.resolve("etc"));
    }

    private NodeConfig configOf(String... args) {
        CommandLine.ParseResult parsed = GuardianCommand.commandLine(sources()).parseArgs(args);
        StatusCommand status = (StatusCommand) parsed.subcommand().commandSpec().userObject();
        return status.node.config();
    }

    @Test
    void eachSetting_takesTheFlag_elseTheVariable_elseTheFile_elseTheDefault() throws IOException {
        Files.writeString(dir.resolve("openpair.yaml"), """
                node: FILE
                base-port: 7000
                bind: 127.0.0.2
                log-dir: /from/file
                """);
        env.put("OPENPAIR_NODE", "ENV");
        env.put("OPENPAIR_BASE_PORT", "8000");

        NodeConfig noFlags = configOf("status");
        assertThat(noFlags.nodeName()).isEqualTo("ENV");
        assertThat(noFlags.basePort()).isEqualTo(8000);
        assertThat(noFlags.bindAddress()).isEqualTo("127.0.0.2");
        assertThat(noFlags.logDir()).isEqualTo(Path.of("/from/file"));

        NodeConfig flags = configOf("status", "--node", "FLAG", "--log-dir", "/from/flag");
        assertThat(flags.nodeName()).isEqualTo("FLAG");
        assertThat(flags.logDir()).isEqualTo(Path.of("/from/flag"));
        assertThat(flags.basePort()).as("no flag: the variable's").isEqualTo(8000);
        assertThat(flags.bindAddress()).as("no flag, no variable: the file's").isEqualTo("127.0.0.2");
        assertThat(flags.members()).first().isEqualTo("127.0.0.2:8000");

        env.clear();
        NodeConfig fileOnly = configOf("status");
        assertThat(fileOnly.nodeName()).isEqualTo("FILE");
        assertThat(fileOnly.basePort()).isEqualTo(7000);

        Files.delete(dir.resolve("openpair.yaml"));
        NodeConfig defaults = configOf("status");
        assertThat(defaults.nodeName()).isEqualTo(NodeConfig.DEFAULT_NODE);
        assertThat(defaults.members()).first().isEqualTo("127.0.0.1:" + NodeConfig.DEFAULT_BASE_PORT);
    }

    @Test
    void aBadVariable_isAUsageError_namingIt_beforeAnyConnection() {
        env.put("OPENPAIR_BASE_PORT", "58o1");
        InProcess.Result r = InProcess.execute(sources(), "status");
        assertThat(r.exitCode()).as("%s", r).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).startsWith("OPENPAIR_BASE_PORT='58o1' is refused: not a number").doesNotContain("\tat ");
        assertThat(r.out()).isEmpty();

        env.put("OPENPAIR_BASE_PORT", "65530");
        r = InProcess.execute(sources(), "status");
        assertThat(r.exitCode()).as("%s", r).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).startsWith("OPENPAIR_BASE_PORT='65530' is refused: base port must be 1024-");
    }

    @Test
    void aMissingConfigFile_isRefusedWithItsName() {
        Path missing = dir.resolve("nope.yaml");
        InProcess.Result r = InProcess.execute(sources(), "status", "--config", missing.toString());
        assertThat(r.exitCode()).as("%s", r).isEqualTo(ExitCodes.GUARDIAN_ERROR);
        assertThat(r.errLines()).singleElement().asString().startsWith("guardian: error 11 ").contains(missing.toString());
    }

    @Test
    void theSampleFileOfGuardian1_isAValidConfigFile() throws IOException {
        List<String> footer = Arrays.asList(GuardianCommand.commandLine(sources()).getCommandSpec().usageMessage().footer());
        int start = footer.indexOf("A sample file, ./openpair.yaml:") + 1;
        assertThat(start).isPositive();
        List<String> sample = new ArrayList<>();
        for (int i = start; i < footer.size() && footer.get(i).startsWith("  "); i++) {
            sample.add(footer.get(i).substring(2));
        }
        Path file = Files.write(dir.resolve("sample.yaml"), sample);
        NodeConfig c = NodeConfigFile.load(file).build();
        assertThat(c.nodeName()).isEqualTo("PROD");
        assertThat(c.cpuAddresses()).containsOnlyKeys(0, 1);
        assertThat(c.members()).containsExactly("127.0.0.1:5801", "127.0.0.1:5802");
    }

    @Test
    void statusHelp_saysWhereSettingsComeFrom() {
        InProcess.Result r = InProcess.execute(sources(), "status", "--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out().replaceAll("\\s+", " ")).contains("OPENPAIR_NODE").contains("OPENPAIR_BASE_PORT").contains("config file")
                .contains("CONFIGURATION in guardian(1)");
    }
}
