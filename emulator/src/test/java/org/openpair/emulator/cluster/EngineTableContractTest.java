package org.openpair.emulator.cluster;

import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cpu.NodeEngineSettings;
import org.openpair.emulator.config.NodeConfig;

/**
 * The table contract on the engine: two real members configured as a node's CPUs, the tests
 * writing through one while the keys' partitions are spread over both.
 */
class EngineTableContractTest extends TableContract {
    private static Engine first;
    private static Engine second;

    @BeforeAll
    static void start() {
        NodeConfig node = TestNodes.config(2).build();
        first = start(node, 0);
        second = start(node, 1);
    }

    private static Engine start(NodeConfig node, int cpu) {
        String address = node.cpuAddresses().get(cpu);
        return Engine.startMember(NodeEngineSettings.of(node), cpu, NodeConfig.hostOf(address),
                NodeConfig.portOf(address), new ConcurrentHashMap<>());
    }

    @AfterAll
    static void stop() {
        if (second != null) {
            second.terminate();
        }
        if (first != null) {
            first.terminate();
        }
    }

    @Override
    TableStore store() {
        return first;
    }
}
