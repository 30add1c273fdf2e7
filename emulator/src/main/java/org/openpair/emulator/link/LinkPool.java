package org.openpair.emulator.link;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * One {@link LinkClient} per peer CPU: connected on first use, and connected again on the next
 * use after it went down (a link that went down stays down). Used by a CPU for its links to
 * the others, and by a requester that is not a CPU.
 */
public final class LinkPool implements AutoCloseable {
    private final IntFunction<LinkClient> connect;
    private final Map<Integer, LinkClient> clients = new ConcurrentHashMap<>();
    /** One per CPU ever connected to: a node has at most 16. */
    private final Map<Integer, Object> connectLocks = new ConcurrentHashMap<>();

    /** @param connect opens a link to the given CPU, or throws if it cannot be reached */
    public LinkPool(IntFunction<LinkClient> connect) {
        this.connect = connect;
    }

    /**
     * The link to {@code cpu}, connecting if there is none that is up. Connects to one CPU at a
     * time, but never holds up another CPU's link: a connect to a hung CPU waits out its timeout,
     * and a requester's look-up of the CPU's address may wait on the engine, and with one lock for
     * all, every request to a healthy CPU that had to connect waited behind them (a run lost a
     * request to its timeout that way after its pair moved to a CPU it had no link to yet).
     */
    public LinkClient client(int cpu) {
        LinkClient existing = connected(cpu);
        if (existing != null) {
            return existing;
        }
        synchronized (connectLock(cpu)) {
            existing = clients.get(cpu);
            if (existing != null && existing.isUp()) {
                return existing;
            }
            if (existing != null) {
                existing.close();
            }
            LinkClient fresh = connect.apply(cpu);
            clients.put(cpu, fresh);
            return fresh;
        }
    }

    private Object connectLock(int cpu) {
        return connectLocks.computeIfAbsent(cpu, c -> new Object());
    }

    /** The link to {@code cpu} if it is up now, else {@code null}: never waits for a connect. */
    public LinkClient connected(int cpu) {
        LinkClient existing = clients.get(cpu);
        return existing != null && existing.isUp() ? existing : null;
    }

    /** {@link LinkClient#pollForReply} on the link to {@code cpu} if it is up; nothing otherwise. */
    public void pollForReply(int cpu, CompletableFuture<LinkReply> reply, long sentNanos) {
        LinkClient link = connected(cpu);
        if (link != null) {
            link.pollForReply(reply, sentNanos);
        }
    }

    @Override
    public void close() {
        clients.values().forEach(LinkClient::close);
        clients.clear();
    }
}
