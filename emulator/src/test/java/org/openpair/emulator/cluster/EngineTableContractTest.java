package org.openpair.emulator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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

    /**
     * What the engine does to entries on its own, by another member's hand: an eviction is heard
     * as a change of its key, a clear of the whole map by the lost-entries listener (a cache of
     * the table must drop what it holds either way).
     */
    @Test
    void anEviction_isAKeyChange_andAWholesaleClear_runsTheLostListener() throws Exception {
        String map = "contract.engine-events";
        Table<String, String> t = first.table(map);
        CountDownLatch lost = new CountDownLatch(1);
        BlockingQueue<String> keys = new LinkedBlockingQueue<>();
        t.onEntriesLost(lost::countDown);
        UUID registration = t.onKeyChanged(keys::add);
        try {
            t.set("a", "1");
            assertThat(keys.poll(30, TimeUnit.SECONDS)).isEqualTo("a");
            second.hazelcast().getMap(map).evict("a");
            assertThat(keys.poll(30, TimeUnit.SECONDS)).as("the eviction").isEqualTo("a");
            assertThat(t.get("a")).isNull();
            assertThat(lost.getCount()).as("an eviction of one key loses nothing else").isEqualTo(1);
            t.set("b", "2");
            assertThat(keys.poll(30, TimeUnit.SECONDS)).isEqualTo("b");
            second.hazelcast().getMap(map).clear();
            assertThat(lost.await(30, TimeUnit.SECONDS)).as("the clear").isTrue();
            assertThat(t.get("b")).isNull();
        } finally {
            t.stopListening(registration);
        }
    }
}
