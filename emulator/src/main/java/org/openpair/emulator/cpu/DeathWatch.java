package org.openpair.emulator.cpu;

import org.openpair.emulator.events.Event;
import org.openpair.emulator.events.EventLog;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.openpair.emulator.cluster.Membership;
import org.openpair.emulator.link.LinkClient;
import org.openpair.emulator.link.LinkException;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.threads.SystemThreads;

/**
 * Takes a CPU's crash on the kernel's evidence (DESIGN.md, "Faster than the engine"): this CPU
 * keeps an idle link to every other CPU, and when one of them ends with EOF or a reset and a
 * new connection to that CPU's port is refused (or reset unanswered), that CPU's JVM is gone
 * while its machine still answers. This CPU then tells the engine ({@link Membership#evict}), which
 * removes the member at once; the survivors' sweeps ({@link CpuLossSweeper}) retire its
 * processes and promote their backups as after any CPU loss, a few table writes later, instead
 * of after the engine's own detection.
 *
 * <p>Silence is never evidence: a link that stalls, or a probe that is not answered, only makes
 * this CPU connect again later. A hung CPU or a partition is decided by the heartbeat and the
 * quorum alone.
 *
 * <p>The watched CPUs follow the engine's member list (this CPU's own view, no table read while
 * it is unchanged), checked every {@value #RECONCILE_MILLIS} ms and at once when a CPU announces
 * itself up. One thread of its own: connecting may wait up to {@link #CONNECT_TIMEOUT}, the
 * evidence is acted on here, never on a link's thread.
 */
final class DeathWatch implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DeathWatch.class.getName());
    static final long RECONCILE_MILLIS = 1000;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);

    private final NodeConfig config;
    private final int self;
    private final Membership membership;
    private final NodeTables tables;
    private final ScheduledExecutorService thread;
    /** CPU number → the link watching it; touched only by {@link #thread}. */
    private final Map<Integer, Watched> watched = new HashMap<>();
    /** Evidence seen, by member: each member's death is acted on once. */
    private final Map<UUID, Boolean> acted = new ConcurrentHashMap<>();
    private volatile boolean acting = true;

    DeathWatch(NodeConfig config, int self, Membership membership, NodeTables tables) {
        this.config = config;
        this.self = self;
        this.membership = membership;
        this.tables = tables;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> SystemThreads.daemon(r, "cpu" + self + "-death-watch"));
    }

    void start() {
        thread.scheduleWithFixedDelay(this::reconcile, 0, RECONCILE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** A CPU announced itself up: watch it now rather than at the next check. */
    void cpuUp(int cpu) {
        submit(this::reconcile);
    }

    /**
     * Whether evidence is acted on (default) or only logged: off, the node learns of a killed
     * CPU only from the engine's own detection, which is what {@code guardian bench takeover}
     * measures as its baseline.
     */
    void acting(boolean on) {
        acting = on;
    }

    private void reconcile() {
        try {
            Map<Integer, UUID> up = new HashMap<>();
            for (Membership.CpuMember m : membership.cpuMembers()) {
                if (!m.local()) {
                    up.put(m.cpu(), m.member());
                }
            }
            watched.entrySet().removeIf(e -> {
                UUID m = up.get(e.getKey());
                boolean stale = m == null || !m.equals(e.getValue().member) || !e.getValue().link.isUp();
                if (stale) {
                    e.getValue().link.close();
                }
                return stale;
            });
            for (Map.Entry<Integer, UUID> e : up.entrySet()) {
                if (!watched.containsKey(e.getKey())) {
                    watch(e.getKey(), e.getValue());
                }
            }
        } catch (RuntimeException e) {
            // The member is shutting down, or a table read failed: the next check tries again.
            LOG.log(System.Logger.Level.DEBUG, "CPU {0}: death watch check failed: {1}", self, e.toString());
        }
    }

    private void watch(int cpu, UUID member) {
        NodeTables.CpuRecord record;
        try {
            record = tables.cpus().getAsync(cpu).toCompletableFuture().get(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        // The member holds the number once its record names it; until then its link may not be up.
        if (record == null || record.linkPort() == 0 || !record.memberUuid().equals(member.toString())) {
            return;
        }
        LinkClient link;
        try {
            link = LinkClient.connect(NodeConfig.hostOf(record.address()), record.linkPort(), config.nodeName(), self,
                    org.openpair.emulator.link.LinkOptions.defaults().withConnectTimeout(CONNECT_TIMEOUT)
                            .withKey(config.nodeKey().orElse(null)));
        } catch (LinkException e) {
            // Not evidence, even a refused connect: the record may be older than what the member
            // does now. The engine decides; the next check tries again.
            LOG.log(System.Logger.Level.DEBUG, "CPU {0}: cannot watch CPU {1} yet: {2}", self, cpu, e.getMessage());
            return;
        }
        Watched w = new Watched(member, link);
        watched.put(cpu, w);
        link.onDown(why -> {
            if (why.kind() == LinkException.Kind.PEER_GONE) {
                submit(() -> evidence(cpu, member, why.getMessage()));
            } else {
                submit(this::reconcile);
            }
        });
    }

    private void evidence(int cpu, UUID member, String what) {
        if (acted.putIfAbsent(member, Boolean.TRUE) != null) {
            return;
        }
        if (!acting) {
            LOG.log(System.Logger.Level.INFO, "CPU {0}: kernel evidence that CPU {1} is gone, left to the engine's own "
                    + "detection: {2}", self, cpu, what);
            return;
        }
        try {
            Membership.Eviction action = membership.evict(member, "CPU " + cpu + "'s JVM is gone (kernel evidence: "
                    + what + ")");
            LOG.log(System.Logger.Level.INFO, "CPU {0}: CPU {1} is gone on the kernel''s evidence ({2}): {3}", self, cpu,
                    what, action);
            EventLog.emit(config.nodeName(), self, new Event.CpuDown(cpu, "kernel evidence: " + what));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "CPU {0}: could not hand the death of CPU {1} to the engine: {2}", self,
                    cpu, e.toString());
        }
        reconcile();
    }

    private void submit(Runnable task) {
        try {
            thread.execute(task);
        } catch (RejectedExecutionException closing) {
            // This CPU is closing: it acts on nothing any more.
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            if (!thread.awaitTermination(2, TimeUnit.SECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "CPU {0}: death watch did not stop within 2 s", self);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Only this thread touched the map, and it has ended.
        for (Watched w : watched.values()) {
            w.link.close();
        }
        watched.clear();
    }

    private record Watched(UUID member, LinkClient link) {
    }
}
