package org.openpair.emulator.cluster;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.EndpointQualifier;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.internal.nio.ConnectionType;
import com.hazelcast.internal.server.ServerConnection;
import com.hazelcast.internal.server.ServerConnectionManager;

import org.openpair.emulator.threads.SystemThreads;

/**
 * Closes a member's connections whose handshake nobody has answered within a bound.
 *
 * <p>Why: a CPU frozen by SIGSTOP, or a JVM in a long pause, still has a kernel that accepts TCP
 * connections, and nothing answers on them. When a member connects to such a peer (the engine's
 * master looking for the rest of a split node does so every few seconds, and a member that has
 * just joined connects to everyone), Hazelcast 5.7 turns the connection's outbound pipeline into
 * a busy loop: with its handshake unanswered the pipeline reports itself clean while frames wait,
 * reschedules itself at once, and its IO thread never returns to its selector. Every other
 * connection on that thread that must wait for the socket to take more bytes then waits for
 * good, heartbeats included, and the healthy CPUs declare each other dead while the third is
 * frozen: the "second split". The engine only closes such a connection when its whole network
 * layer restarts (a merge). A healthy peer answers a handshake within milliseconds; closing an
 * unanswered one after {@link #boundFor a fraction of the heartbeat timeout} keeps the loop far
 * shorter than the timeout, and the engine reconnects once the peer answers again.
 * {@code StalledPeerTest} shows the loop and the split without this, and none with it.
 *
 * <p>The engine offers no public hook for this; the connection manager is reached through its
 * internal API, kept to this class.
 */
public final class StalledHandshakes implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StalledHandshakes.class.getName());
    private static final long PERIOD_MILLIS = 250;
    /** One warning per peer in this time; the engine retries a frozen peer every few seconds. */
    private static final long LOG_EVERY_MILLIS = 30_000;

    private final HazelcastInstance hz;
    private final long boundMillis;
    private final ScheduledExecutorService timer;
    /** Per peer: when its closes were last logged, and how many since; touched by the timer only. */
    private final Map<String, long[]> logged = new HashMap<>();

    private StalledHandshakes(HazelcastInstance hz, Duration bound, String owner) {
        this.hz = hz;
        this.boundMillis = bound.toMillis();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> SystemThreads.daemon(r, owner + "-handshakes"));
        timer.scheduleWithFixedDelay(this::check, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Watches the member connections of {@code hz}; {@code owner} names the watching thread. */
    public static StalledHandshakes watch(HazelcastInstance hz, Duration bound, String owner) {
        return new StalledHandshakes(hz, bound, owner);
    }

    /**
     * A quarter of the heartbeat timeout, between 250 ms and 2 s: far below the timeout, so the
     * loop cannot starve a heartbeat past it, and far above a healthy peer's answer.
     */
    public static Duration boundFor(int heartbeatTimeoutSeconds) {
        long quarter = heartbeatTimeoutSeconds * 1000L / 4;
        return Duration.ofMillis(Math.max(250, Math.min(2000, quarter)));
    }

    private void check() {
        try {
            if (!hz.getLifecycleService().isRunning() || !(hz instanceof HazelcastInstanceProxy proxy)) {
                return;
            }
            ServerConnectionManager connections = proxy.getOriginal().node.getServer()
                    .getConnectionManager(EndpointQualifier.MEMBER);
            if (connections == null) {
                return;
            }
            long now = System.currentTimeMillis();
            for (ServerConnection c : connections.getConnections()) {
                long age = now - c.getStartTime();
                // Only a peer member's connection (typed MEMBER, or NONE before its protocol is known):
                // a client's on the same port is the client engine's business.
                String type = c.getConnectionType();
                boolean member = ConnectionType.MEMBER.equals(type) || ConnectionType.NONE.equals(type) || type == null;
                if (member && c.isAlive() && c.getRemoteUuid() == null && c.getStartTime() > 0 && age > boundMillis) {
                    c.close("no answer to the handshake in " + age + " ms (the peer is frozen, hung or still starting)", null);
                    report(String.valueOf(c.getRemoteSocketAddress()), age, now);
                }
            }
        } catch (RuntimeException e) {
            // The member may be shutting down or merging; the next check looks again.
            LOG.log(System.Logger.Level.DEBUG, "handshake check failed: {0}", e.toString());
        }
    }

    private void report(String peer, long age, long now) {
        long[] seen = logged.computeIfAbsent(peer, p -> new long[] {0, 0});
        seen[1]++;
        if (now - seen[0] >= LOG_EVERY_MILLIS) {
            LOG.log(System.Logger.Level.WARNING, "closed the connection to {0}: no answer to its handshake in {1} ms "
                    + "(the peer is frozen, hung or still starting: a restarting CPU accepts before it answers; {2} "
                    + "such connection(s) closed since the last report)", peer, age, seen[1]);
            seen[0] = now;
            seen[1] = 0;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
