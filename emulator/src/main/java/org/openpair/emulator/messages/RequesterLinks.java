package org.openpair.emulator.messages;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.openpair.emulator.link.LinkClient;
import org.openpair.emulator.link.LinkPool;
import org.openpair.emulator.link.LinkReply;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.security.NodeKey;

/**
 * Request links of a requester that is not a CPU (the {@code guardian} command, or a program
 * using the node as a client): one connection per CPU it sends to, found through the CPU
 * table and opened again when it went down. Such a connection may carry requests only.
 */
public final class RequesterLinks implements RequestLinks, AutoCloseable {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final NodeTables tables;
    private final String nodeName;
    private final NodeKey key;
    private final LinkPool clients = new LinkPool(this::connect);

    /** Links of a node without a key. */
    public RequesterLinks(NodeTables tables, String nodeName) {
        this(tables, nodeName, null);
    }

    /** Links that prove {@code key} to every CPU (null: the node runs without one). */
    public RequesterLinks(NodeTables tables, String nodeName, NodeKey key) {
        this.tables = tables;
        this.nodeName = nodeName;
        this.key = key;
    }

    @Override
    public CompletableFuture<LinkReply> request(int cpu, long openId, long syncId, ByteBuffer payload) {
        try {
            return clients.client(cpu).request(openId, syncId, payload);
        } catch (RuntimeException e) {
            // Not up, refused, unreachable: to the requester all of these are a path down.
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public void pollForReply(int cpu, CompletableFuture<LinkReply> reply, long sentNanos) {
        clients.pollForReply(cpu, reply, sentNanos);
    }

    /** Opens a requester's link to a CPU of the node, found through the CPU table. */
    private LinkClient connect(int cpu) {
        NodeTables.CpuRecord record = tables.cpus().get(cpu);
        if (record == null || record.linkPort() == 0) {
            throw new IllegalStateException("CPU " + cpu + " is not up");
        }
        return LinkClient.connectAsRequester(NodeConfig.hostOf(record.address()), record.linkPort(), nodeName,
                CONNECT_TIMEOUT, key);
    }

    @Override
    public void close() {
        clients.close();
    }
}
