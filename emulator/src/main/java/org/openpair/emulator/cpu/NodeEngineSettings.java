package org.openpair.emulator.cpu;

import java.util.ArrayList;
import java.util.List;

import org.openpair.emulator.events.EventCodecs;
import org.openpair.emulator.cluster.EngineSettings;
import org.openpair.emulator.cluster.TableSpec;
import org.openpair.emulator.codec.Codec;
import org.openpair.emulator.codec.GuardianCodecs;
import org.openpair.emulator.names.NameCodecs;
import org.openpair.emulator.node.CpuCallCodecs;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.node.NodeTableCodecs;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.semaphores.SemaphoreCodecs;
import org.openpair.emulator.semaphores.Semaphores;

/**
 * What the engine must know of a node, from its {@link NodeConfig}: the members, the heartbeat,
 * the quorum, and how each of the node's tables is kept.
 *
 * <ul>
 * <li>After a split heals, the larger side's tables are the truth: the smaller side's CPUs were
 *     declared down there and halt their processes (QuorumWatch), so whatever the smaller side
 *     wrote meanwhile (deaths it inferred, processes it started) is discarded.
 * <li>The name table decides who is primary, so it alone is guarded: a side with fewer CPUs than
 *     the quorum cannot change it (no name, takeover, switch or backup), so the small side of a
 *     split makes nobody primary; and on the heal the higher epoch wins, entry by entry
 *     ({@code names.HigherEpochWins}), not one side whole.
 * <li>The CPU table stays unguarded: the first CPU of a node claims its number alone, before any
 *     quorum exists. The process, death and index tables record what a CPU's own processes do,
 *     not who is primary.
 * <li>Semaphore entries change only through updates: kept as objects, an update does not decode
 *     and re-encode the whole record on every acquire and release.
 * </ul>
 */
public final class NodeEngineSettings {
    /** How long a death record is kept for late readers of a completion code. */
    private static final int TERMINATION_TTL_SECONDS = 3600;
    /** Threads that run the calls other CPUs and clients make on a CPU. */
    private static final int CALL_THREADS = 16;

    private static final List<TableSpec> TABLES = List.of(
            TableSpec.table(NodeTables.TERMINATIONS).expiringAfter(TERMINATION_TTL_SECONDS),
            TableSpec.table(NodeTables.PROCESSES),
            TableSpec.table(NodeTables.NAMES).guardedByQuorum().mergedByValue(),
            TableSpec.table(NodeTables.CPUS),
            TableSpec.index(NodeTables.CPU_PROCESSES),
            TableSpec.table(Semaphores.MAP).asObjects());

    private NodeEngineSettings() {
    }

    public static EngineSettings of(NodeConfig node) {
        return new EngineSettings(node.clusterName(), node.members(), node.heartbeatIntervalSeconds(),
                node.heartbeatTimeoutSeconds(), hungCpuMillis(node), node.quorum(), TABLES, CALL_THREADS, codecs());
    }

    /**
     * How soon the node takes a hung CPU for dead: at the heartbeat timeout, or, on a lease,
     * once the lease has surely ended and a takeover round has evicted it (openpair(7),
     * "Leases": the lease, a tenth of it as margin, and a round), which two leases cover.
     */
    static long hungCpuMillis(NodeConfig node) {
        long heartbeat = node.heartbeatTimeoutSeconds() * 1000L;
        long lease = node.lease().toMillis();
        return lease == 0 ? heartbeat : Math.min(heartbeat, 2 * lease);
    }

    /** The codec of every runtime type that is stored in a table or crosses the engine. */
    public static List<Codec<?>> codecs() {
        List<Codec<?>> all = new ArrayList<>();
        all.addAll(GuardianCodecs.all());
        all.addAll(NodeTableCodecs.all());
        all.addAll(NameCodecs.all());
        all.addAll(CpuCallCodecs.all());
        all.addAll(SemaphoreCodecs.all());
        all.addAll(EventCodecs.all());
        return List.copyOf(all);
    }
}
