package org.openpair.emulator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/** The config file search and the OPENPAIR_* layer, on temp directories standing in for the real ones. */
class NodeSettingsTest {
    @TempDir
    Path root;

    private Path work;
    private Path home;
    private Path etc;
    private final Map<String, String> env = new HashMap<>();

    @BeforeEach
    void dirs() throws IOException {
        work = Files.createDirectories(root.resolve("work"));
        home = Files.createDirectories(root.resolve("home"));
        etc = Files.createDirectories(root.resolve("etc/openpair"));
    }

    private ConfigSources sources() {
        return new ConfigSources(work, home, env, etc);
    }

    private static Path write(Path file, String nodeName) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, "node: " + nodeName + "\n");
    }

    @Test
    void noFileAndNoVariable_givesTheDefaults() {
        assertThat(NodeSettings.configFile(null, sources())).isEmpty();
        NodeConfig c = NodeSettings.resolve(null, sources()).build();
        assertThat(c.nodeName()).isEqualTo(NodeConfig.DEFAULT_NODE);
        assertThat(c.basePort()).isEqualTo(NodeConfig.DEFAULT_BASE_PORT);
    }

    @Test
    void search_takesTheWorkingDirectory_thenTheUsers_thenTheSystems() throws IOException {
        Path system = write(etc.resolve("openpair.yaml"), "SYS");
        assertThat(NodeSettings.configFile(null, sources())).contains(system);
        assertThat(NodeSettings.resolve(null, sources()).build().nodeName()).isEqualTo("SYS");

        Path user = write(home.resolve(".config/openpair/openpair.yaml"), "USER");
        assertThat(NodeSettings.configFile(null, sources())).contains(user);

        Path local = write(work.resolve("openpair.yaml"), "HERE");
        assertThat(NodeSettings.configFile(null, sources())).contains(local);
        assertThat(NodeSettings.resolve(null, sources()).build().nodeName()).isEqualTo("HERE");
    }

    @Test
    void search_readsTheUsersFileUnderXdgConfigHome_andIgnoresARelativeOne() throws IOException {
        write(home.resolve(".config/openpair/openpair.yaml"), "DOT");
        Path xdgFile = write(root.resolve("xdg/openpair/openpair.yaml"), "XDG");
        env.put("XDG_CONFIG_HOME", root.resolve("xdg").toString());
        assertThat(NodeSettings.configFile(null, sources())).contains(xdgFile);

        env.put("XDG_CONFIG_HOME", "relative/xdg");
        assertThat(NodeSettings.configFile(null, sources())).contains(home.resolve(".config/openpair/openpair.yaml"));
        assertThat(sources().searchPath()).containsExactly(work.resolve("openpair.yaml"),
                home.resolve(".config/openpair/openpair.yaml"), etc.resolve("openpair.yaml"));
    }

    @Test
    void aNamedFile_winsOverTheSearch_theFlagOverTheVariable() throws IOException {
        write(work.resolve("openpair.yaml"), "HERE");
        Path byEnv = write(root.resolve("env.yaml"), "BYENV");
        Path byFlag = write(root.resolve("flag.yaml"), "BYFLAG");
        env.put("OPENPAIR_CONFIG", byEnv.toString());
        assertThat(NodeSettings.resolve(null, sources()).build().nodeName()).isEqualTo("BYENV");
        assertThat(NodeSettings.resolve(byFlag, sources()).build().nodeName()).isEqualTo("BYFLAG");
    }

    @Test
    void aRelativeOpenpairConfig_isResolvedAgainstTheWorkingDirectory() throws IOException {
        write(work.resolve("conf/node.yaml"), "REL");
        env.put("OPENPAIR_CONFIG", "conf/node.yaml");
        assertThat(NodeSettings.resolve(null, sources()).build().nodeName()).isEqualTo("REL");
    }

    @Test
    void aNamedFileThatIsMissing_isRefusedWithItsNameAndWhoNamedIt_evenWhenASearchedOneExists() throws IOException {
        write(work.resolve("openpair.yaml"), "HERE");
        Path missing = root.resolve("missing.yaml");
        assertThatThrownBy(() -> NodeSettings.resolve(missing, sources()))
                .isInstanceOfSatisfying(GuardianException.class, e -> assertThat(e.guardianError()).isEqualTo(GuardianError.NOT_FOUND))
                .hasMessageContaining(missing.toString()).hasMessageContaining("--config");
        env.put("OPENPAIR_CONFIG", missing.toString());
        assertThatThrownBy(() -> NodeSettings.resolve(null, sources()))
                .isInstanceOf(GuardianException.class)
                .hasMessageContaining(missing.toString()).hasMessageContaining("OPENPAIR_CONFIG");
    }

    @Test
    void variables_overrideTheFile_settingBySetting() throws IOException {
        Files.writeString(work.resolve("openpair.yaml"), """
                node: FILE
                bind: 127.0.0.2
                base-port: 7000
                log-dir: /file/logs
                """);
        env.put("OPENPAIR_NODE", "env");
        env.put("OPENPAIR_BASE_PORT", "8000");
        NodeConfig c = NodeSettings.resolve(null, sources()).build();
        assertThat(c.nodeName()).isEqualTo("ENV");
        assertThat(c.basePort()).isEqualTo(8000);
        assertThat(c.bindAddress()).as("not set in the environment: the file's").isEqualTo("127.0.0.2");
        assertThat(c.logDir()).isEqualTo(Path.of("/file/logs"));
        assertThat(c.members()).first().isEqualTo("127.0.0.2:8000");

        env.put("OPENPAIR_BIND", "127.0.0.3");
        env.put("OPENPAIR_LOG_DIR", "/env/logs");
        env.put("OPENPAIR_MEMBERS", "127.0.0.3:8000, 127.0.0.3:8001");
        c = NodeSettings.resolve(null, sources()).build();
        assertThat(c.bindAddress()).isEqualTo("127.0.0.3");
        assertThat(c.logDir()).isEqualTo(Path.of("/env/logs"));
        assertThat(c.members()).containsExactly("127.0.0.3:8000", "127.0.0.3:8001");
    }

    @Test
    void theClassPathVariable_overridesTheFiles_relativeEntriesFromTheWorkingDirectory() throws IOException {
        Files.writeString(work.resolve("openpair.yaml"), "class-path: /file/app.jar\n");
        assertThat(NodeSettings.resolve(null, sources()).build().classPath()).containsExactly("/file/app.jar");
        env.put("OPENPAIR_CLASS_PATH", "/env/app.jar:lib/classes");
        assertThat(NodeSettings.resolve(null, sources()).build().classPath()).containsExactly("/env/app.jar",
                Path.of("lib/classes").toAbsolutePath().normalize().toString());
    }

    @Test
    void theMetricsPortVariable_overridesTheFiles_andZeroTurnsMetricsOff() throws IOException {
        assertThat(NodeSettings.resolve(null, sources()).build().metricsPort(0)).as("the default").isEmpty();
        Files.writeString(work.resolve("openpair.yaml"), "metrics-port: 9100\n");
        assertThat(NodeSettings.resolve(null, sources()).build().metricsPort(1)).hasValue(9101);
        env.put("OPENPAIR_METRICS_PORT", "9200");
        assertThat(NodeSettings.resolve(null, sources()).build().metricsPort(1)).hasValue(9201);
        env.put("OPENPAIR_METRICS_PORT", "0");
        assertThat(NodeSettings.resolve(null, sources()).build().metricsPort(1)).isEmpty();
    }

    @Test
    void anEmptyVariable_countsAsUnset() {
        env.put("OPENPAIR_NODE", "");
        env.put("OPENPAIR_BASE_PORT", "  ");
        env.put("OPENPAIR_CONFIG", "");
        NodeConfig c = NodeSettings.resolve(null, sources()).build();
        assertThat(c.nodeName()).isEqualTo(NodeConfig.DEFAULT_NODE);
        assertThat(c.basePort()).isEqualTo(NodeConfig.DEFAULT_BASE_PORT);
    }

    @ParameterizedTest(name = "{0}={1} is refused")
    @CsvSource(delimiter = '|', value = {
            "OPENPAIR_BASE_PORT|http",
            "OPENPAIR_BASE_PORT|70000",
            "OPENPAIR_BASE_PORT|80",
            "OPENPAIR_NODE|9LIVES",
            "OPENPAIR_NODE|TOOLONGNAME",
            "OPENPAIR_MEMBERS|127.0.0.1",
            "OPENPAIR_MEMBERS|127.0.0.1:5801,,127.0.0.1:5802",
            "OPENPAIR_MEMBERS|127.0.0.1:99999",
            "OPENPAIR_BIND|127.0.0.1:5801",
            "OPENPAIR_CLASS_PATH|/opt/app.jar::/opt/lib",
            "OPENPAIR_METRICS_PORT|http",
            "OPENPAIR_METRICS_PORT|80",
            "OPENPAIR_METRICS_PORT|65535"})
    void aBadVariable_isRefusedWithItsName(String variable, String value) {
        env.put(variable, value);
        assertThatThrownBy(() -> NodeSettings.resolve(null, sources()))
                .isInstanceOfSatisfying(NodeSettings.InvalidVariableException.class,
                        e -> assertThat(e.variable()).isEqualTo(variable))
                .hasMessageStartingWith(variable + "='" + value.strip() + "'");
    }

    @Test
    void runDir_defaultsToXdgRuntimeDir_elseTheTemporaryDirectory_andTheVariableAndFileOverrideIt() throws IOException {
        Path tmpDefault = Path.of(System.getProperty("java.io.tmpdir"), "openpair-" + System.getProperty("user.name"));
        assertThat(NodeSettings.resolve(null, sources()).build().runDir()).contains(tmpDefault);
        env.put("XDG_RUNTIME_DIR", "relative/run");    // ignored, as the XDG specification says
        assertThat(NodeSettings.resolve(null, sources()).build().runDir()).contains(tmpDefault);
        env.put("XDG_RUNTIME_DIR", root.resolve("xdg").toString());
        assertThat(NodeSettings.resolve(null, sources()).build().runDir()).contains(root.resolve("xdg").resolve("openpair"));

        Files.writeString(work.resolve("openpair.yaml"), "run-dir: " + root.resolve("fromfile") + "\n");
        assertThat(NodeSettings.resolve(null, sources()).build().runDir()).contains(root.resolve("fromfile"));
        env.put("OPENPAIR_RUN_DIR", root.resolve("fromenv").toString());
        assertThat(NodeSettings.resolve(null, sources()).build().runDir()).contains(root.resolve("fromenv"));
    }

    @Test
    void aConfigBuiltInCode_hasNoRunDir_soItsCpusOpenNoAdminSocket() {
        assertThat(NodeConfig.builder().build().runDir()).isEmpty();
        Path dir = root.resolve("r");
        assertThat(NodeConfig.builder().runDir(dir).build().toBuilder().build().runDir()).contains(dir);
    }
}
