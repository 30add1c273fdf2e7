package org.openpair.emulator.node;

import java.util.concurrent.ConcurrentMap;

import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.ExecutorConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MemberAttributeConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.spi.merge.DiscardMergePolicy;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionOn;

import org.openpair.emulator.cluster.EngineSerialization;
import org.openpair.emulator.names.HigherEpochMergePolicy;

/**
 * Turns a {@link NodeConfig} into the Hazelcast member configuration of one CPU and the client
 * configuration of the {@code guardian} command. Only here does the node's shape meet
 * Hazelcast's settings: loopback or the configured addresses, TCP-IP join, no multicast, no
 * auto-detection, no phone-home, fast heartbeats; and on members and clients alike, what crosses
 * the engine is encoded by the runtime's codec ({@link EngineSerialization}).
 */
public final class ClusterConfigs {
    /** Member attribute carrying the CPU number, so every member and client can map member → CPU. */
    public static final String CPU_ATTRIBUTE = org.openpair.emulator.cluster.EngineMembership.CPU_ATTRIBUTE;
    /** The split-brain protection of the maps that decide who is primary: the node's quorum. */
    public static final String NAMES_QUORUM = "openpair.names-quorum";

    private ClusterConfigs() {
    }

    /** The member configuration of CPU {@code cpu}; {@code userContext} reaches tasks run on it. */
    public static Config member(NodeConfig node, int cpu, ConcurrentMap<String, Object> userContext) {
        String address = node.cpuAddresses().get(cpu);
        Config config = new Config();
        config.setClusterName(node.clusterName());
        config.setInstanceName(node.clusterName() + "-cpu" + cpu);
        config.setUserContext(userContext);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "jdk");
        config.setProperty("hazelcast.heartbeat.interval.seconds", String.valueOf(node.heartbeatIntervalSeconds()));
        config.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(node.heartbeatTimeoutSeconds()));
        // A lone first CPU should not sit waiting for peers that may never come.
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        // A lost CPU's partitions must be served by their backups at once: the default waits 5 s
        // for the member to come back before repairing the partition table.
        config.setProperty("hazelcast.migration.min.delay.on.member.removed.seconds", "0");
        // After a split heals, merge within seconds rather than Hazelcast's 5 minutes: the CPUs of
        // the smaller side have stopped their pair members and should rejoin soon.
        config.setProperty("hazelcast.merge.first.run.delay.seconds", "10");
        config.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
        config.setProperty("hazelcast.graceful.shutdown.max.wait", "10");
        config.setMemberAttributeConfig(new MemberAttributeConfig().setAttribute(CPU_ATTRIBUTE, String.valueOf(cpu)));
        EngineSerialization.applyTo(config.getSerializationConfig());

        NetworkConfig network = config.getNetworkConfig();
        network.setPort(NodeConfig.portOf(address)).setPortAutoIncrement(false);
        network.getInterfaces().setEnabled(true).addInterface(NodeConfig.hostOf(address));
        network.setPublicAddress(address);
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(node.members());
        config.setProperty("hazelcast.socket.bind.any", "false");

        // After a split heals, the larger side's tables are the truth: the smaller side's CPUs were
        // declared down there and halt their processes (QuorumWatch), so whatever the smaller
        // side wrote meanwhile (deaths it inferred, processes it started) is discarded. The name
        // table is the exception: its epochs decide (namesConfig).
        MergePolicyConfig largerSideWins = new MergePolicyConfig(DiscardMergePolicy.class.getName(), 100);
        config.addMapConfig(new MapConfig(NodeTables.TERMINATIONS).setTimeToLiveSeconds(3600).setBackupCount(1)
                .setMergePolicyConfig(largerSideWins));
        config.addMapConfig(new MapConfig(NodeTables.PROCESSES).setBackupCount(1).setMergePolicyConfig(largerSideWins));
        config.addMapConfig(namesConfig(node, config));
        config.addMapConfig(new MapConfig(NodeTables.CPUS).setBackupCount(1).setMergePolicyConfig(largerSideWins));
        config.addMultiMapConfig(new com.hazelcast.config.MultiMapConfig(NodeTables.CPU_PROCESSES)
                .setValueCollectionType(com.hazelcast.config.MultiMapConfig.ValueCollectionType.SET).setBackupCount(1)
                .setMergePolicyConfig(largerSideWins));
        // Semaphore entries change only through updates: kept as objects, an update
        // does not deserialize and re-serialize the whole record on every acquire and release.
        config.addMapConfig(new MapConfig(org.openpair.emulator.semaphores.Semaphores.MAP).setBackupCount(1)
                .setInMemoryFormat(com.hazelcast.config.InMemoryFormat.OBJECT).setMergePolicyConfig(largerSideWins));
        config.addExecutorConfig(new ExecutorConfig(NodeTables.CPU_EXECUTOR).setPoolSize(16));
        return config;
    }

    /**
     * The name table decides who is primary, so it alone is guarded against splits:
     * <ul>
     * <li>Split-brain protection on writes: a member that sees fewer CPUs than the node's quorum
     *     cannot change it (no name, takeover, switch or backup), so the small side of a split
     *     makes nobody primary. Writes only: reads still answer there, and what they may return
     *     is stale but harmless, since that side's primaries are being fenced (QuorumWatch) and
     *     a requester accepts no reply from an older epoch. Guarding reads as well would fail
     *     every lookup of a CPU that is merely slow to see its peers again, for no safety gained.
     *     A quorum of 1 (two CPUs, or CPUs not named) needs no protection and Hazelcast accepts
     *     none below 2; epoch fencing is all such a node has.
     * <li>On the heal, the higher epoch wins ({@link HigherEpochMergePolicy}), not one side whole.
     * </ul>
     * The CPU table stays unguarded: the first CPU of a node claims its number alone, before any
     * quorum exists. The process, death and index tables record what a CPU's own processes do, not
     * who is primary; the smaller side's records are dropped at the heal as before.
     */
    private static MapConfig namesConfig(NodeConfig node, Config config) {
        MapConfig names = new MapConfig(NodeTables.NAMES).setBackupCount(1)
                .setMergePolicyConfig(new MergePolicyConfig(HigherEpochMergePolicy.class.getName(), 100));
        if (node.quorum() >= 2) {
            config.addSplitBrainProtectionConfig(new SplitBrainProtectionConfig(NAMES_QUORUM, true, node.quorum())
                    .setProtectOn(SplitBrainProtectionOn.WRITE));
            names.setSplitBrainProtectionName(NAMES_QUORUM);
        }
        return names;
    }

    /** The client configuration: connects to any listed member, fails fast when none answers. */
    public static ClientConfig client(NodeConfig node, long connectTimeoutMillis) {
        ClientConfig config = new ClientConfig();
        config.setClusterName(node.clusterName());
        config.setProperty("hazelcast.logging.type", "jdk");
        config.setProperty("hazelcast.client.shutdownhook.enabled", "false");
        EngineSerialization.applyTo(config.getSerializationConfig());
        // A call stuck on a hung CPU must fail when the node declares it dead, not after the 60 s default.
        config.setProperty("hazelcast.client.heartbeat.timeout", String.valueOf(node.heartbeatTimeoutSeconds() * 1000L));
        config.setProperty("hazelcast.client.heartbeat.interval", String.valueOf(node.heartbeatIntervalSeconds() * 1000L));
        config.getNetworkConfig().setAddresses(node.members()).setSmartRouting(true);
        config.getConnectionStrategyConfig().getConnectionRetryConfig()
                .setClusterConnectTimeoutMillis(connectTimeoutMillis)
                .setInitialBackoffMillis(100)
                .setMaxBackoffMillis(500);
        return config;
    }
}
