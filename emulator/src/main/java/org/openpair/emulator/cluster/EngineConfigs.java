package org.openpair.emulator.cluster;

import java.util.concurrent.ConcurrentMap;

import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.ExecutorConfig;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MemberAttributeConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.spi.merge.DiscardMergePolicy;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionOn;

/**
 * Turns {@link EngineSettings} into the Hazelcast member configuration of one CPU and the client
 * configuration of the {@code guardian} command. Only here does the node's shape meet
 * Hazelcast's settings: the configured addresses, TCP-IP join, no multicast, no auto-detection,
 * no phone-home, fast heartbeats; and on members and clients alike, what crosses the engine is
 * encoded by the runtime's codec ({@link EngineSerialization}).
 */
public final class EngineConfigs {
    /** The split-brain protection of the tables guarded by the node's quorum. */
    public static final String QUORUM = "openpair.names-quorum";
    /** The engine's executor that runs {@link Engine#call}s. */
    static final String CALLS = "openpair.cpu";
    private static final int MERGE_BATCH = 100;
    /**
     * The engine logs through SLF4J, as the runtime does. Set on each configuration and, unless the
     * application chose otherwise, as the system property too: the engine's loggers made outside
     * an instance read only the property, and without it would write to java.util.logging.
     */
    static final String LOGGING_TYPE = "hazelcast.logging.type";

    static {
        if (System.getProperty(LOGGING_TYPE) == null) {
            System.setProperty(LOGGING_TYPE, "slf4j");
        }
    }

    private EngineConfigs() {
    }

    /**
     * The configuration of the member that holds CPU {@code cpu} at {@code host}:{@code port};
     * {@code userContext} reaches the calls run on it ({@link Engine#userContext}).
     */
    public static Config member(EngineSettings node, int cpu, String host, int port,
                                ConcurrentMap<String, Object> userContext) {
        Config config = new Config();
        config.setClusterName(node.clusterName());
        config.setInstanceName(node.clusterName() + "-cpu" + cpu);
        config.setUserContext(userContext);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty(LOGGING_TYPE, "slf4j");
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
        config.setMemberAttributeConfig(new MemberAttributeConfig()
                .setAttribute(EngineMembership.CPU_ATTRIBUTE, String.valueOf(cpu)));
        EngineSerialization.applyTo(config.getSerializationConfig(), node.codecs());

        NetworkConfig network = config.getNetworkConfig();
        network.setPort(port).setPortAutoIncrement(false);
        network.getInterfaces().setEnabled(true).addInterface(host);
        network.setPublicAddress(host + ":" + port);
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(node.members());
        config.setProperty("hazelcast.socket.bind.any", "false");

        boolean guarded = false;
        for (TableSpec table : node.tables()) {
            if (table.index()) {
                config.addMultiMapConfig(new MultiMapConfig(table.name())
                        .setValueCollectionType(MultiMapConfig.ValueCollectionType.SET).setBackupCount(1)
                        .setMergePolicyConfig(mergePolicy(table)));
            } else {
                MapConfig map = new MapConfig(table.name()).setBackupCount(1).setMergePolicyConfig(mergePolicy(table))
                        .setTimeToLiveSeconds(table.ttlSeconds());
                if (table.keptAsObjects()) {
                    map.setInMemoryFormat(InMemoryFormat.OBJECT);
                }
                // Hazelcast accepts no protection below 2, and a quorum of 1 (two CPUs, or CPUs
                // not named) needs none: epoch fencing is all such a node has.
                if (table.quorumGuarded() && node.quorum() >= 2) {
                    map.setSplitBrainProtectionName(QUORUM);
                    guarded = true;
                }
                config.addMapConfig(map);
            }
        }
        if (guarded) {
            // Writes only: reads still answer on the small side, and what they may return is
            // stale but harmless, since that side's primaries are being fenced and a requester
            // accepts no reply from an older epoch. Guarding reads as well would fail every
            // lookup of a CPU that is merely slow to see its peers again, for no safety gained.
            config.addSplitBrainProtectionConfig(new SplitBrainProtectionConfig(QUORUM, true, node.quorum())
                    .setProtectOn(SplitBrainProtectionOn.WRITE));
        }
        config.addExecutorConfig(new ExecutorConfig(CALLS).setPoolSize(node.callThreads()));
        return config;
    }

    private static MergePolicyConfig mergePolicy(TableSpec table) {
        String policy = table.merge() == TableSpec.Merge.VALUE_DECIDES ? MergeByValue.class.getName()
                : DiscardMergePolicy.class.getName();
        return new MergePolicyConfig(policy, MERGE_BATCH);
    }

    /** The client configuration: connects to any listed member, fails fast when none answers. */
    public static ClientConfig client(EngineSettings node, long connectTimeoutMillis) {
        ClientConfig config = new ClientConfig();
        config.setClusterName(node.clusterName());
        config.setProperty(LOGGING_TYPE, "slf4j");
        config.setProperty("hazelcast.client.shutdownhook.enabled", "false");
        EngineSerialization.applyTo(config.getSerializationConfig(), node.codecs());
        // A call stuck on a hung CPU must be sent again once the node has taken the CPU for dead,
        // not after the client's 60 s default. The client hears of a member's removal only from
        // the member its view comes through; when that is the hung one, only this timeout ends
        // its connection there, which moves the view to another member and resends what waited.
        long silence = node.hungMemberMillis();
        config.setProperty("hazelcast.client.heartbeat.timeout", String.valueOf(silence));
        config.setProperty("hazelcast.client.heartbeat.interval",
                String.valueOf(Math.min(node.heartbeatIntervalSeconds() * 1000L, Math.max(100, silence / 4))));
        config.getNetworkConfig().setAddresses(node.members()).setSmartRouting(true);
        config.getConnectionStrategyConfig().getConnectionRetryConfig()
                .setClusterConnectTimeoutMillis(connectTimeoutMillis)
                .setInitialBackoffMillis(100)
                .setMaxBackoffMillis(500);
        return config;
    }
}
