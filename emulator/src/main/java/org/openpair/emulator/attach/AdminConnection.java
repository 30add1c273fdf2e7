package org.openpair.emulator.attach;

import java.io.IOException;
import java.nio.file.Path;

import org.openpair.emulator.events.EventBatch;
import org.openpair.emulator.events.EventQuery;
import org.openpair.emulator.security.NodeKey;
import org.openpair.guardian.Guardian;

/**
 * The command's end of a CPU's {@link AdminSocket}: a guest session whose {@link Guardian} is
 * the operator's, each procedure one round trip over the Unix socket. A lost connection fails
 * the call under way with error 66 instead of halting the JVM, as it would an attached process.
 */
public final class AdminConnection implements AutoCloseable {
    private final AttachClient client;
    private final Guardian guardian;
    private final String nodeName;
    private final int cpu;

    private AdminConnection(AttachClient.Connected c) {
        this.client = c.client();
        this.nodeName = c.welcome().nodeName();
        this.cpu = c.welcome().self().cpu();
        this.guardian = new RemoteGuardian(client, nodeName);
    }

    /**
     * Connects as a guest, or throws: nobody answers, or the CPU does not WELCOME within
     * {@code boundMillis}, or what answers does not speak the protocol.
     */
    public static AdminConnection open(Path socket, long boundMillis) throws IOException {
        return open(socket, boundMillis, null);
    }

    /**
     * As {@link #open(Path, long)}, proving {@code key} (null: none) at no extra round trip.
     *
     * @throws org.openpair.guardian.GuardianException 48 if the CPU does not hold the same key
     *                                                 (or holds one and this side none, or the reverse)
     */
    public static AdminConnection open(Path socket, long boundMillis, NodeKey key) throws IOException {
        try {
            return new AdminConnection(AttachClient.connectGuest(socket, boundMillis, key));
        } catch (AttachProtocolException e) {
            throw new IOException(socket + ": " + e.getMessage(), e);
        }
    }

    /** The node the CPU belongs to, as its WELCOME said. */
    public String nodeName() {
        return nodeName;
    }

    /** The CPU that serves this connection. */
    public int cpu() {
        return cpu;
    }

    public Guardian guardian() {
        return guardian;
    }

    /** Reads the node's event ring through this CPU ({@code EVENTS}); may wait as {@code query} says. */
    public EventBatch events(EventQuery query) {
        return client.call(AttachCalls.EVENTS, query);
    }

    /** Upgrades a pair to a new class path, run by this CPU ({@code UPGRADE}); returns its steps. */
    public java.util.List<org.openpair.emulator.procedures.PairUpgrade.Step> upgrade(
            org.openpair.guardian.ProcessName name, java.util.List<String> classPath) {
        return client.call(AttachCalls.UPGRADE, new AttachCodecs.Upgrade(name, classPath));
    }

    @Override
    public void close() {
        client.close();
    }
}
