package org.openpair.emulator.cluster;

import java.util.List;

import org.openpair.emulator.codec.Codec;

/**
 * What the engine needs to know of a node: its name, where its members are, how fast a silent
 * member is declared dead, its quorum and its tables. The runtime fills it in from its own
 * configuration; only {@link EngineConfigs} turns it into the engine's settings.
 *
 * @param clusterName              the engine's cluster name; members and clients of another are refused
 * @param members                  the members' "host:port" addresses
 * @param heartbeatIntervalSeconds how often a member proves it is alive
 * @param heartbeatTimeoutSeconds  silence after which a member is declared dead
 * @param hungMemberMillis         silence after which the node has taken a hung member for dead:
 *                                 the heartbeat timeout, or sooner where a lease decides it. A
 *                                 client drops its connection to a member silent that long, so
 *                                 that what it waits for there is sent again by the node's
 *                                 current view, not the hung member's
 * @param quorum                   the fewest CPUs a side of a split needs to write a guarded table
 * @param tables                   the node's tables
 * @param callThreads              threads that run calls from other members ({@link Engine#call})
 * @param codecs                   the codec of every runtime type stored in a table or shipped
 *                                 through the engine (unions included); nothing else may cross it
 */
public record EngineSettings(String clusterName, List<String> members, int heartbeatIntervalSeconds,
                             int heartbeatTimeoutSeconds, long hungMemberMillis, int quorum, List<TableSpec> tables,
                             int callThreads, List<Codec<?>> codecs) {
    public EngineSettings {
        members = List.copyOf(members);
        tables = List.copyOf(tables);
        codecs = List.copyOf(codecs);
        if (heartbeatIntervalSeconds < 1 || heartbeatTimeoutSeconds <= heartbeatIntervalSeconds) {
            throw new IllegalArgumentException("heartbeat every " + heartbeatIntervalSeconds + " s, timeout "
                    + heartbeatTimeoutSeconds + " s: the timeout must be longer than the interval");
        }
        if (hungMemberMillis < 1 || hungMemberMillis > heartbeatTimeoutSeconds * 1000L) {
            throw new IllegalArgumentException("a hung member taken for dead after " + hungMemberMillis
                    + " ms: it must be positive and no longer than the heartbeat timeout (" + heartbeatTimeoutSeconds
                    + " s)");
        }
        if (callThreads < 1) {
            throw new IllegalArgumentException("call threads " + callThreads + " < 1");
        }
    }
}
