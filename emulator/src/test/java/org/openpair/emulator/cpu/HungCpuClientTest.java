package org.openpair.emulator.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import com.hazelcast.client.config.ClientConfig;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.cluster.EngineConfigs;
import org.openpair.emulator.cluster.EngineSettings;
import org.openpair.emulator.config.NodeConfig;

/**
 * How long a client of the node keeps its connection to a silent CPU: as long as the node takes
 * to declare a hung CPU dead, by the heartbeat or, sooner, by the lease. A client hears of a
 * member's removal only from the member its view comes through, so past that silence only this
 * ends a wait there. LeaseIT is the case on frozen CPU JVMs.
 */
class HungCpuClientTest {

    @Test
    void withoutALease_theClientWaitsOutTheHeartbeatTimeout() {
        NodeConfig node = NodeConfig.builder().heartbeat(1, 8).lease(Duration.ZERO).build();

        ClientConfig client = EngineConfigs.client(NodeEngineSettings.of(node), 1_000);

        assertThat(client.getProperty("hazelcast.client.heartbeat.timeout")).isEqualTo("8000");
        assertThat(client.getProperty("hazelcast.client.heartbeat.interval")).isEqualTo("1000");
    }

    @Test
    void onALease_theClientLetsASilentCpuGoAfterTwoLeases_pingingFourTimesInThatSilence() {
        NodeConfig node = NodeConfig.builder().heartbeat(1, 60).lease(Duration.ofMillis(1000)).build();

        ClientConfig client = EngineConfigs.client(NodeEngineSettings.of(node), 1_000);

        assertThat(client.getProperty("hazelcast.client.heartbeat.timeout")).isEqualTo("2000");
        assertThat(client.getProperty("hazelcast.client.heartbeat.interval")).isEqualTo("500");
    }

    @Test
    void aLeaseWhoseTwoLengthsPassTheHeartbeatTimeout_leavesTheHeartbeatTimeout() {
        NodeConfig node = NodeConfig.builder().heartbeat(1, 8).lease(Duration.ofMillis(5000)).build();

        assertThat(NodeEngineSettings.hungCpuMillis(node)).isEqualTo(8000);
    }

    @Test
    void aSilenceThatIsNotPositiveOrOutlastsTheHeartbeat_isRefused() {
        EngineSettings ok = NodeEngineSettings.of(NodeConfig.builder().heartbeat(1, 8).build());

        assertThatThrownBy(() -> withSilence(ok, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hung member");
        assertThatThrownBy(() -> withSilence(ok, 8001)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no longer than the heartbeat timeout (8 s)");
        assertThat(withSilence(ok, 8000).hungMemberMillis()).isEqualTo(8000);
    }

    private static EngineSettings withSilence(EngineSettings s, long millis) {
        return new EngineSettings(s.clusterName(), s.members(), s.heartbeatIntervalSeconds(),
                s.heartbeatTimeoutSeconds(), millis, s.quorum(), s.tables(), s.callThreads(), s.codecs());
    }
}
