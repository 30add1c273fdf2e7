package org.openpair.emulator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.System.Logger.Level;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;

import org.junit.jupiter.api.Test;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.launch.Logging;

/**
 * The engine of a CPU logs through SLF4J ({@code hazelcast.logging.type=slf4j}), not straight to
 * java.util.logging: its lines reach the default backend by way of SLF4J's logger, and so would
 * reach any backend an application puts in its place.
 */
class EngineLoggingTest {

    @Test
    void aMembersEngine_logsThroughSlf4j() {
        NodeConfig node = TestNodes.config(1).build();
        Config config = TestNodes.memberConfig(node, 0);
        assertThat(config.getProperty(EngineConfigs.LOGGING_TYPE)).isEqualTo("slf4j");
        assertThat(System.getProperty(EngineConfigs.LOGGING_TYPE)).as("for the engine's loggers outside an instance")
                .isEqualTo("slf4j");

        try (Logging.Capture engine = Logging.capture(Level.INFO, true, "com.hazelcast")) {
            HazelcastInstance hz = Hazelcast.newHazelcastInstance(config);
            try {
                assertThat(engine.lines()).as("the engine's start").anySatisfy(l -> {
                    assertThat(l.logger()).startsWith("com.hazelcast.");
                    assertThat(l.message()).contains("is STARTED");
                    assertThat(l.source()).as("who handed the line to the backend")
                            .isEqualTo("com.hazelcast.logging.Slf4jFactory$Slf4jLogger");
                });
            } finally {
                hz.getLifecycleService().terminate();
            }
        }
    }
}
