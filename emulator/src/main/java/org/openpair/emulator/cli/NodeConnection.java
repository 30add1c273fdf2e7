package org.openpair.emulator.cli;

import org.openpair.emulator.cluster.Engine;
import org.openpair.emulator.messages.RequesterLinks;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.cpu.NodeEngineSettings;
import org.openpair.emulator.procedures.NodeGuardian;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.Guardian;

/**
 * The command's way into a running node: an engine client, not a member. A client does not
 * join the node, so a quick {@code guardian status} never triggers a partition migration or a
 * membership event that the CPUs would have to treat as a CPU coming and going.
 */
final class NodeConnection implements AutoCloseable {
    private static final long CONNECT_TIMEOUT_MILLIS = 5000;

    private final Engine client;
    private final RequesterLinks links;
    private final Guardian guardian;

    private NodeConnection(Engine client, NodeConfig config) {
        this.client = client;
        NodeTables tables = new NodeTables(client);
        this.links = new RequesterLinks(tables, config.nodeName());
        this.guardian = new NodeGuardian(tables, config, null, null, links);
    }

    /**
     * Connects, or fails with {@link NodeUnreachableException}: at once when no member address
     * accepts a TCP connection at all, else after the client's connect timeout.
     */
    static NodeConnection open(NodeConfig config) {
        NodeProbe.Result probe = NodeProbe.probe(config.members(), NodeProbe.TIMEOUT);
        if (!probe.answered()) {
            throw new NodeUnreachableException("node \\" + config.nodeName() + " is not running: no CPU answers at "
                    + NodeProbe.summarize(config.members()) + " (" + String.join(", ", probe.reasons())
                    + "); start one with 'guardian node up'");
        }
        try {
            return new NodeConnection(Engine.startClient(NodeEngineSettings.of(config), CONNECT_TIMEOUT_MILLIS), config);
        } catch (IllegalStateException e) {
            throw new NodeUnreachableException("node \\" + config.nodeName() + " does not answer at "
                    + NodeProbe.summarize(config.members()) + " within " + CONNECT_TIMEOUT_MILLIS / 1000
                    + " s (a connection is accepted there, but no CPU of this node answered: another node, or another program?)");
        }
    }

    Guardian guardian() {
        return guardian;
    }

    @Override
    public void close() {
        links.close();
        client.shutdown();
    }
}
