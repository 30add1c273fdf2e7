package org.openpair.testing;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.core.HazelcastInstance;

import org.openpair.emulator.cluster.Engine;
import org.openpair.emulator.cluster.EngineConfigs;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.cpu.NodeEngineSettings;
import org.openpair.emulator.messages.RequesterLinks;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.procedures.NodeGuardian;
import org.openpair.guardian.Guardian;

/**
 * The operator's Hazelcast client of a {@link TestCluster}, and the request links of every
 * Guardian handed out on it, which close with it.
 */
final class OperatorClient {
    private static final long CLIENT_CONNECT_MILLIS = 10_000;

    private final NodeConfig config;
    private HazelcastInstance client;
    /** The request links of every {@link #guardian()} handed out, closed with the cluster. */
    private final java.util.List<RequesterLinks> requesterLinks = new java.util.ArrayList<>();
    private boolean closed;

    OperatorClient(NodeConfig config) {
        this.config = config;
    }

    Guardian guardian() {
        NodeTables tables = new NodeTables(new Engine(client()), config.nodeKey());
        RequesterLinks links = new RequesterLinks(tables, config.nodeName(), config.nodeKey().orElse(null));
        synchronized (this) {
            requesterLinks.add(links);
        }
        return new NodeGuardian(tables, config, null, null, links);
    }

    synchronized HazelcastInstance client() {
        if (closed) {
            throw new IllegalStateException("test cluster \\" + config.nodeName() + " is closed");
        }
        if (client == null || !client.getLifecycleService().isRunning()) {
            client = HazelcastClient.newHazelcastClient(clientConfig());
        }
        return client;
    }

    /**
     * The {@code guardian} command's client settings, with the client's own heartbeat timeout
     * brought down to the node's: by default a client waits 60 s before it gives up on a silent
     * member, and a call it sent to a frozen CPU hangs that long even after the node has declared
     * the CPU dead and moved its partitions.
     */
    private ClientConfig clientConfig() {
        ClientConfig c = EngineConfigs.client(NodeEngineSettings.of(config), CLIENT_CONNECT_MILLIS);
        c.setProperty("hazelcast.client.heartbeat.interval", "1000");
        c.setProperty("hazelcast.client.heartbeat.timeout", String.valueOf(config.heartbeatTimeoutSeconds() * 1000L));
        return c;
    }

    /** Shuts the client down and closes the links; false if that was done before. */
    boolean close() {
        HazelcastInstance c;
        synchronized (this) {
            if (closed) {
                return false;
            }
            closed = true;
            c = client;
            client = null;
            requesterLinks.forEach(RequesterLinks::close);
            requesterLinks.clear();
        }
        try {
            if (c != null) {
                c.shutdown();
            }
        } catch (RuntimeException e) {
            // A client whose node is gone may fail to shut down cleanly: nothing to keep.
        }
        return true;
    }
}
