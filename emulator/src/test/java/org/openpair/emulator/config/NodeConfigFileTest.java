package org.openpair.emulator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.config.NodeConfigFile;

class NodeConfigFileTest {
    @TempDir
    Path dir;

    @Test
    void fullFile_isRead() throws Exception {
        Path f = write("""
                node: prod
                bind: 127.0.0.1
                base-port: 6000
                cpus:
                  0: 127.0.0.1:6000
                  1: 127.0.0.1:6001
                members: [127.0.0.1:6000, 127.0.0.1:6001]
                heartbeat: { interval-seconds: 1, timeout-seconds: 3 }
                log-dir: /var/tmp/op
                stop-grace-millis: 1500
                operator-timeout-millis: 2500
                """);
        NodeConfig c = NodeConfigFile.load(f).build();
        assertThat(c.nodeName()).isEqualTo("PROD");
        assertThat(c.clusterName()).isEqualTo("openpair-PROD");
        assertThat(c.cpuAddresses()).containsOnlyKeys(0, 1).containsEntry(1, "127.0.0.1:6001");
        assertThat(c.members()).containsExactly("127.0.0.1:6000", "127.0.0.1:6001");
        assertThat(c.heartbeatTimeoutSeconds()).isEqualTo(3);
        assertThat(c.logDir()).isEqualTo(Path.of("/var/tmp/op"));
        assertThat(c.stopGrace()).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.operatorTimeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(NodeConfig.builder().build().operatorTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.hasCpu(1)).isTrue();
        assertThat(c.hasCpu(2)).isFalse();
    }

    @Test
    void defaults_areLoopbackWithSixteenCpus() {
        NodeConfig c = NodeConfig.builder().build();
        assertThat(c.nodeName()).isEqualTo("OPENPAIR");
        assertThat(c.cpuAddresses()).hasSize(16).containsEntry(0, "127.0.0.1:5801").containsEntry(15, "127.0.0.1:5816");
        assertThat(c.members()).hasSize(16);
    }

    @Test
    void quorum_defaultsToAMajorityOfNamedCpus_oneForTwoOrForTheImplicitSixteen() {
        assertThat(NodeConfig.builder().build().quorum()).isEqualTo(1);
        assertThat(NodeConfig.builder().cpus(1).build().quorum()).isEqualTo(1);
        assertThat(NodeConfig.builder().cpus(2).build().quorum()).isEqualTo(1);
        assertThat(NodeConfig.builder().cpus(3).build().quorum()).isEqualTo(2);
        assertThat(NodeConfig.builder().cpus(5).build().quorum()).isEqualTo(3);
        assertThat(NodeConfig.builder().cpus(3).quorum(3).build().quorum()).isEqualTo(3);
        assertThatThrownBy(() -> NodeConfig.builder().cpus(2).quorum(3).build())
                .isInstanceOfSatisfying(GuardianException.class, e -> assertThat(e.error()).isEqualTo(2));
        // Overriding a flag keeps the implicit CPUs implicit.
        assertThat(NodeConfig.builder().build().toBuilder().basePort(7000).build().quorum()).isEqualTo(1);
    }

    @Test
    void unknownKey_typo_isRefusedWithTheKeyNamed() throws Exception {
        assertError(write("nodes: X\n"), "unknown key 'nodes'");
        assertError(write("heartbeat: { interval: 1 }\n"), "heartbeat.interval");
    }

    @Test
    void badValues_areRefusedWithTheValueNamed() throws Exception {
        assertError(write("base-port: many\n"), "'base-port' must be a whole number");
        assertError(write("cpus: { 16: 127.0.0.1:1 }\n"), "0-15");
        assertError(write("cpus: { 0: nowhere }\n"), "host:port");
        assertError(write("node: 9lives\n"), "node name");
        assertError(write("heartbeat: { interval-seconds: 5, timeout-seconds: 5 }\n"), "must exceed");
        assertError(write("- a\n- b\n"), "mapping");
        assertError(write("node: [unclosed\n"), "not valid YAML");
        assertError(write("operator-timeout-millis: 0\n"), "operator timeout must be at least 1 ms");
        assertError(write("operator-timeout-millis: soon\n"), "'operator-timeout-millis' must be a whole number");
    }

    @Test
    void missingFile_is11() {
        assertThatThrownBy(() -> NodeConfigFile.load(dir.resolve("absent.yaml")))
                .isInstanceOfSatisfying(GuardianException.class, e -> assertThat(e.error()).isEqualTo(11));
    }

    @Test
    void classPath_asStringOrList_relativeEntriesResolvedAgainstTheFilesDirectory() throws Exception {
        NodeConfig fromString = NodeConfigFile.load(write("class-path: lib/app.jar:/opt/classes\n")).build();
        assertThat(fromString.classPath()).containsExactly(dir.resolve("lib/app.jar").toString(), "/opt/classes");
        NodeConfig fromList = NodeConfigFile.load(write("class-path: [../x.jar, /opt/y]\n")).build();
        assertThat(fromList.classPath()).containsExactly(dir.getParent().resolve("x.jar").toString(), "/opt/y");
        assertThat(NodeConfigFile.load(write("node: A\n")).build().classPath()).isEmpty();
        // Kept when a command overrides another setting.
        assertThat(fromList.toBuilder().nodeName("B").build().classPath()).isEqualTo(fromList.classPath());
    }

    @Test
    void classPath_blankEntryOrWrongType_isRefusedWithTheKeyNamed() throws Exception {
        assertError(write("class-path: a.jar::b.jar\n"), "class path entry is empty");
        assertError(write("class-path: [a.jar, '']\n"), "class path entry is empty");
        assertError(write("class-path: [a.jar, null]\n"), "class path entry is empty");
        assertError(write("class-path: 7\n"), "'class-path' must be a ':'-separated string or a list");
        assertError(write("class-path: { a: b }\n"), "'class-path' must be");
    }

    @Test
    void metricsPort_isReadAsTheBaseOfEachCpusPort_andABadOneIsRefusedWithTheKeyNamed() throws Exception {
        NodeConfig c = NodeConfigFile.load(write("metrics-port: 9100\n")).build();
        assertThat(c.metricsPort(0)).hasValue(9100);
        assertThat(c.metricsPort(2)).hasValue(9102);
        assertThat(NodeConfigFile.load(write("metrics-port: 0\n")).build().metricsPort(0)).isEmpty();
        assertError(write("metrics-port: http\n"), "'metrics-port' must be a whole number");
        assertError(write("metrics-port: 80\n"), "metrics port must be 1024-");
    }

    @Test
    void lease_isTheAdvisedOneUnlessNamed_noneWhenTheHeartbeatLeavesNoRoom_andBadOnesAreRefused() throws Exception {
        assertThat(NodeConfig.builder().build().lease()).isEqualTo(NodeConfig.ADVISED_LEASE);
        assertThat(NodeConfigFile.load(write("node: A\n")).build().lease()).isEqualTo(NodeConfig.ADVISED_LEASE);
        assertThat(NodeConfigFile.load(write("lease-millis: 0\n")).build().lease()).isZero();
        assertThat(NodeConfigFile.load(write("lease-millis: 700\n")).build().lease()).isEqualTo(Duration.ofMillis(700));
        // The default follows the heartbeat set after it, and a copy keeps what was decided.
        assertThat(NodeConfig.builder().heartbeat(1, 2).build().lease()).isZero();
        assertThat(NodeConfig.builder().heartbeat(1, 3).build().lease()).isEqualTo(NodeConfig.ADVISED_LEASE);
        NodeConfig none = NodeConfig.builder().heartbeat(1, 2).build();
        assertThat(none.toBuilder().nodeName("B").build().lease()).isZero();

        for (String bad : List.of("lease-millis: 199\n", "lease-millis: -1\n",
                "lease-millis: 4000\nheartbeat: { interval-seconds: 1, timeout-seconds: 5 }\n",
                "lease-millis: 1000\nheartbeat: { interval-seconds: 1, timeout-seconds: 2 }\n")) {
            Path f = write(bad);
            assertThatThrownBy(() -> NodeConfigFile.load(f).build()).as(bad)
                    .isInstanceOfSatisfying(GuardianException.class, e -> assertThat(e.guardianError())
                            .isEqualTo(GuardianError.INVALID_OPERATION));
        }
    }

    private Path write(String yaml) throws Exception {
        Path f = Files.createTempFile(dir, "node", ".yaml");
        Files.writeString(f, yaml);
        return f;
    }

    private static void assertError(Path f, String fragment) {
        assertThatThrownBy(() -> NodeConfigFile.load(f).build())
                .isInstanceOfSatisfying(GuardianException.class, e -> {
                    assertThat(e.error()).isEqualTo(2);
                    assertThat(e.getMessage()).contains(fragment);
                });
    }
}
