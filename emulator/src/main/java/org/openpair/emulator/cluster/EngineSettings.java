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
 * @param quorum                   the fewest CPUs a side of a split needs to write a guarded table
 * @param tables                   the node's tables
 * @param callThreads              threads that run calls from other members ({@link Engine#call})
 * @param codecs                   the codec of every runtime type stored in a table or shipped
 *                                 through the engine (unions included); nothing else may cross it
 */
public record EngineSettings(String clusterName, List<String> members, int heartbeatIntervalSeconds,
                             int heartbeatTimeoutSeconds, int quorum, List<TableSpec> tables, int callThreads,
                             List<Codec<?>> codecs) {
    public EngineSettings {
        members = List.copyOf(members);
        tables = List.copyOf(tables);
        codecs = List.copyOf(codecs);
        if (heartbeatIntervalSeconds < 1 || heartbeatTimeoutSeconds <= heartbeatIntervalSeconds) {
            throw new IllegalArgumentException("heartbeat every " + heartbeatIntervalSeconds + " s, timeout "
                    + heartbeatTimeoutSeconds + " s: the timeout must be longer than the interval");
        }
        if (callThreads < 1) {
            throw new IllegalArgumentException("call threads " + callThreads + " < 1");
        }
    }
}
