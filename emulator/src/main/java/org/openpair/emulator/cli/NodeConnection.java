package org.openpair.emulator.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.openpair.guardian.GuardianException;
import org.openpair.guardian.GuardianError;
import org.openpair.emulator.security.NodeKey;
import org.openpair.emulator.attach.AdminConnection;
import org.openpair.emulator.attach.AdminSocket;
import org.openpair.emulator.cluster.Engine;
import org.openpair.emulator.events.EventBatch;
import org.openpair.emulator.events.EventLog;
import org.openpair.emulator.events.EventQuery;
import org.openpair.emulator.messages.RequesterLinks;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.cpu.NodeEngineSettings;
import org.openpair.emulator.procedures.NodeGuardian;
import org.openpair.emulator.procedures.PairUpgrade;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.ProcessName;

/**
 * The command's way into a running node. On the node's machine, a CPU's admin socket
 * ({@code <run-dir>/<node>/cpuN.sock}): a guest session runs the operator's procedures on that
 * CPU, a few milliseconds where an engine client takes most of a second to start. Elsewhere, or
 * when no socket answers, an engine client, not a member: a client does not join the node, so a
 * quick {@code guardian status} never triggers a partition migration or a membership event that
 * the CPUs would have to treat as a CPU coming and going.
 */
final class NodeConnection implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(NodeConnection.class.getName());
    private static final long CONNECT_TIMEOUT_MILLIS = 5000;
    /** How long a CPU's admin socket may take to welcome the command before the next is tried. */
    private static final long ADMIN_BOUND_MILLIS = 1000;

    /** Which way a connection reaches the node. */
    enum Route { ADMIN_SOCKET, ENGINE }

    /** The way the last connection of this JVM took: how the tests prove the command's path. */
    private static volatile Route lastRoute;

    private final Route route;
    private final Guardian guardian;
    private final AutoCloseable resources;
    /** How this connection reads the node's event ring: through the CPU, or from the ring itself. */
    private final EventSource events;
    /** How this connection upgrades a pair: run by the CPU, or from here over the engine. */
    private final Upgrader upgrades;

    /** A read of the node's event ring. */
    @FunctionalInterface
    interface EventSource {
        EventBatch read(EventQuery query) throws InterruptedException;
    }

    /** {@code guardian upgrade}'s procedure. */
    @FunctionalInterface
    interface Upgrader {
        List<PairUpgrade.Step> upgrade(ProcessName name, List<String> classPath);
    }

    private NodeConnection(Route route, Guardian guardian, EventSource events, Upgrader upgrades,
                           AutoCloseable resources) {
        this.route = route;
        this.guardian = guardian;
        this.events = events;
        this.upgrades = upgrades;
        this.resources = resources;
        lastRoute = route;
    }

    private static NodeConnection overEngine(Engine client, NodeConfig config) {
        NodeTables tables = new NodeTables(client, config.nodeKey());
        RequesterLinks links = new RequesterLinks(tables, config.nodeName(), config.nodeKey().orElse(null));
        NodeGuardian guardian = new NodeGuardian(tables, config, null, null, links);
        return new NodeConnection(Route.ENGINE, guardian, EventLog.reader(client)::read,
                (name, classPath) -> guardian.upgradePair(name, classPath, step -> { }), () -> {
            links.close();
            client.shutdown();
        });
    }

    /**
     * Connects, or fails with {@link NodeUnreachableException}: at once when no member address
     * accepts a TCP connection at all, else after the client's connect timeout.
     */
    static NodeConnection open(NodeConfig config) {
        Optional<NodeConnection> admin = config.runDir().flatMap(dir -> overAdminSocket(dir, config.nodeName(),
                config.nodeKey().orElse(null)));
        if (admin.isPresent()) {
            return admin.get();
        }
        NodeProbe.Result probe = NodeProbe.probe(config.members(), NodeProbe.TIMEOUT);
        if (!probe.answered()) {
            throw new NodeUnreachableException("node \\" + config.nodeName() + " is not running: no CPU answers at "
                    + NodeProbe.summarize(config.members()) + " (" + String.join(", ", probe.reasons())
                    + "); start one with 'guardian node up'");
        }
        try {
            return overEngine(Engine.startClient(NodeEngineSettings.of(config), CONNECT_TIMEOUT_MILLIS), config);
        } catch (IllegalStateException e) {
            throw new NodeUnreachableException("node \\" + config.nodeName() + " does not answer at "
                    + NodeProbe.summarize(config.members()) + " within " + CONNECT_TIMEOUT_MILLIS / 1000
                    + " s (a connection is accepted there, but no CPU of this node answered: another node, or another program?)");
        }
    }

    /**
     * The first of the node's admin sockets, in CPU order, that welcomes a guest as a CPU of
     * {@code node}; empty when there is none (another machine, a node that is down and left its
     * files, directories that are not private).
     */
    private static Optional<NodeConnection> overAdminSocket(Path runDir, String node, NodeKey key) {
        Path dir = runDir.resolve(node);
        Map<Integer, Path> sockets = new TreeMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "cpu*.sock")) {
            for (Path f : files) {
                String n = f.getFileName().toString();
                String digits = n.substring(3, n.length() - 5);
                if (digits.matches("[0-9]{1,2}")) {
                    sockets.put(Integer.parseInt(digits), f);
                }
            }
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot list {0}: {1}", dir, e.toString());
            return Optional.empty();
        }
        if (sockets.isEmpty()) {
            return Optional.empty();
        }
        // Another user's directory could hold anyone's socket: trust only the user's own, private one.
        String refusal = AdminSocket.whyNotPrivate(runDir);
        if (refusal == null) {
            refusal = AdminSocket.whyNotPrivate(dir);
        }
        if (refusal != null) {
            LOG.log(System.Logger.Level.DEBUG, "not using the admin sockets in {0}: {1}", dir, refusal);
            return Optional.empty();
        }
        for (Path socket : sockets.values()) {
            AdminConnection c;
            try {
                c = AdminConnection.open(socket, ADMIN_BOUND_MILLIS, key);
            } catch (GuardianException e) {
                // The user's own CPU refused this command's key, or proved another: the engine
                // path would be refused too, and the user must hear why.
                if (e.guardianError() == GuardianError.SECURITY) {
                    throw e;
                }
                LOG.log(System.Logger.Level.DEBUG, "admin socket {0}: {1}", socket, e.toString());
                continue;
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "admin socket {0}: {1}", socket, e.toString());
                continue;
            }
            if (c.nodeName().equals(node)) {
                LOG.log(System.Logger.Level.DEBUG, "talking to \\{0} through CPU {1}''s admin socket", node, c.cpu());
                return Optional.of(new NodeConnection(Route.ADMIN_SOCKET, c.guardian(), c::events, c::upgrade, c));
            }
            LOG.log(System.Logger.Level.DEBUG, "admin socket {0} is \\{1}''s, not \\{2}''s", socket, c.nodeName(), node);
            c.close();
        }
        return Optional.empty();
    }

    Guardian guardian() {
        return guardian;
    }

    /**
     * Reads the node's event ring as {@code query} asks: through the CPU's admin socket (its
     * {@code EVENTS} call), or over the engine client from the ring itself.
     */
    EventBatch events(EventQuery query) throws InterruptedException {
        return events.read(query);
    }

    /**
     * Upgrades a pair to a new class path ({@link PairUpgrade}): run by the CPU behind the admin
     * socket, or from this command over the engine.
     */
    List<PairUpgrade.Step> upgrade(ProcessName name, List<String> classPath) {
        return upgrades.upgrade(name, classPath);
    }

    /** Which way this connection reaches the node. */
    Route route() {
        return route;
    }

    /** The way the last connection opened in this JVM took, or null if none was: for tests. */
    static Route lastRoute() {
        return lastRoute;
    }

    /** Forgets the last route, so that a test sees whether the next call opened a connection at all. */
    static void forgetLastRoute() {
        lastRoute = null;
    }

    @Override
    public void close() {
        try {
            resources.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the connection: {0}", e.toString());
        }
    }
}
