package org.openpair.emulator.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** A launched CPU's settings are its arguments: the launcher's OPENPAIR_* and settings files do not reach it. */
class CpuJvmEnvironmentTest {
    private static final Map<String, String> PARENT = Map.of("PATH", "/usr/bin", "HOME", "/home/op",
            "OPENPAIR_NODE", "OTHER", "OPENPAIR_MEMBERS", "10.0.0.9:5801", "OPENPAIR_CONFIG", "/etc/elsewhere.yaml",
            "OPENPAIR_CLASS_PATH", "/opt/app.jar");

    @Test
    void theLaunchersSettings_areDropped_andNoSettingsFileIsSearched() {
        Map<String, String> env = CpuJvm.childEnvironment(PARENT, List.of("java", "-cp", "x", "Main", "cpu", "start",
                "--cpu", "1", "--node", "T", "--base-port", "20000"));
        assertThat(env).containsEntry("PATH", "/usr/bin").containsEntry("HOME", "/home/op")
                .containsEntry("OPENPAIR_CONFIG", "/dev/null");
        assertThat(env.keySet()).filteredOn(k -> k.startsWith("OPENPAIR_")).containsExactly("OPENPAIR_CONFIG");
    }

    @Test
    void aConfigFileTheCommandNames_isItsOwn() {
        for (List<String> args : List.of(List.of("cpu", "start", "--cpu", "0", "--config", "/run/node.yaml"),
                List.of("cpu", "start", "--cpu", "0", "--config=/run/node.yaml"))) {
            Map<String, String> env = CpuJvm.childEnvironment(PARENT, args);
            assertThat(env.keySet()).noneMatch(k -> k.startsWith("OPENPAIR_"));
        }
    }
}
