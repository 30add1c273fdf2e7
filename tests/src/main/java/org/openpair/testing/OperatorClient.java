package org.openpair.testing;

import java.util.ArrayList;
import java.util.List;

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
    private final List<RequesterLinks> requesterLinks = new ArrayList<>();
    /** The clients of {@link #guardianThrough}, shut down with the cluster. */
    private final List<HazelcastInstance> ownClients = new ArrayList<>();
    private boolean closed;

    OperatorClient(NodeConfig config) {
        this.config = config;
    }

    Guardian guardian() {
        return guardianOn(client());
    }

    /**
     * The procedures through a client of their own that knows only CPU {@code cpu}'s address:
     * the engine sends a client its view of the node (members, partition owners) over its first
     * connection, so this one hears of every change through that CPU, and hears nothing while
     * that CPU is frozen.
     */
    Guardian guardianThrough(int cpu) {
        String address = config.cpuAddresses().get(cpu);
        if (address == null) {
            throw new IllegalArgumentException("CPU " + cpu + " is not configured in \\" + config.nodeName());
        }
        ClientConfig c = clientConfig();
        c.getNetworkConfig().setAddresses(List.of(address));
        HazelcastInstance own;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("test cluster \\" + config.nodeName() + " is closed");
            }
            own = HazelcastClient.newHazelcastClient(c);
            ownClients.add(own);
        }
        return guardianOn(own);
    }

    private Guardian guardianOn(HazelcastInstance engineClient) {
        NodeTables tables = new NodeTables(new Engine(engineClient), config.nodeKey());
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

    /** The {@code guardian} command's client settings. */
    private ClientConfig clientConfig() {
        return EngineConfigs.client(NodeEngineSettings.of(config), CLIENT_CONNECT_MILLIS);
    }

    /** Shuts the client down and closes the links; false if that was done before. */
    boolean close() {
        List<HazelcastInstance> clients = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return false;
            }
            closed = true;
            if (client != null) {
                clients.add(client);
            }
            client = null;
            clients.addAll(ownClients);
            ownClients.clear();
            requesterLinks.forEach(RequesterLinks::close);
            requesterLinks.clear();
        }
        for (HazelcastInstance c : clients) {
            try {
                c.shutdown();
            } catch (RuntimeException e) {
                // A client whose node is gone may fail to shut down cleanly: nothing to keep.
            }
        }
        return true;
    }
}
