package org.openpair.emulator.cluster;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.function.BiConsumer;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.cluster.Member;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.multimap.MultiMap;
import com.hazelcast.spi.exception.TargetNotMemberException;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionException;

/**
 * The cluster engine as the runtime holds it: a member's or a client's connection to the node,
 * handing out the node's tables as {@link Table}s and {@link MultiTable}s, never the engine's
 * own maps.
 */
public final class Engine implements TableStore {
    private final HazelcastInstance hz;

    public Engine(HazelcastInstance hz) {
        this.hz = hz;
    }

    /**
     * The engine's own instance, for what measures or inspects the engine itself: the
     * benchmarks' baselines and tests. The runtime never uses it.
     */
    public HazelcastInstance hazelcast() {
        return hz;
    }

    /** Whether this is a member of the node (a CPU), not a client of it. */
    public boolean isMember() {
        return !(hz.getLocalEndpoint() instanceof com.hazelcast.client.Client);
    }

    /** False once the member or client has shut down. */
    public boolean isRunning() {
        return hz.getLifecycleService().isRunning();
    }

    /**
     * Starts the member that holds CPU {@code cpu} at {@code host}:{@code port}; {@code userContext}
     * reaches the calls run on it ({@link #userContext}).
     */
    public static Engine startMember(EngineSettings node, int cpu, String host, int port,
                                     ConcurrentMap<String, Object> userContext) {
        return new Engine(Hazelcast.newHazelcastInstance(EngineConfigs.member(node, cpu, host, port, userContext)));
    }

    /**
     * Connects to the node as a client (the command): it does not join, so it starts no
     * partition migration and no membership event.
     *
     * @throws IllegalStateException if no member answered within {@code connectTimeoutMillis}
     */
    public static Engine startClient(EngineSettings node, long connectTimeoutMillis) {
        return new Engine(HazelcastClient.newHazelcastClient(EngineConfigs.client(node, connectTimeoutMillis)));
    }

    /** This member's or client's name, for messages. */
    public String name() {
        return hz.getName();
    }

    /** What the engine hands to the calls it runs on this member (the CPU they call). */
    public ConcurrentMap<String, Object> userContext() {
        return hz.getUserContext();
    }

    /**
     * Runs {@code call} on {@code member} and waits up to {@code boundMillis} for its answer.
     *
     * @throws MemberGone        if {@code member} is not (or no longer) a member, or this engine stopped
     * @throws TimeoutException  if no answer came in time: the call may still run there
     * @throws ExecutionException if the call itself failed there
     */
    public <R> R call(UUID member, MemberCall<R> call, long boundMillis)
            throws TimeoutException, InterruptedException, ExecutionException {
        try {
            return hz.getExecutorService(EngineConfigs.CALLS).submitToMember(new EngineCall<>(call), target(member))
                    .get(boundMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (isGone(e) || isGone(e.getCause())) {
                throw new MemberGone("member " + member + " left during the call", e.getCause());
            }
            throw e;
        } catch (RuntimeException e) {
            if (isGone(e)) {
                throw new MemberGone("member " + member + " is gone: " + e.getMessage(), e);
            }
            throw e;
        }
    }

    /**
     * Sends {@code call} to {@code member} without waiting for it to run.
     *
     * @throws MemberGone if {@code member} is not (or no longer) a member, or this engine stopped
     */
    public void tell(UUID member, MemberCall<?> call) {
        try {
            hz.getExecutorService(EngineConfigs.CALLS).submitToMember(new EngineCall<>(call), target(member));
        } catch (RuntimeException e) {
            if (isGone(e)) {
                throw new MemberGone("member " + member + " is gone: " + e.getMessage(), e);
            }
            throw e;
        }
    }

    private Member target(UUID member) {
        for (Member m : hz.getCluster().getMembers()) {
            if (m.getUuid().equals(member)) {
                return m;
            }
        }
        throw new MemberGone("member " + member + " is not in the node", null);
    }

    private static boolean isGone(Throwable t) {
        return t instanceof MemberLeftException || t instanceof TargetNotMemberException
                || t instanceof HazelcastInstanceNotActiveException;
    }

    /** This member's view of the node's members, with its events. */
    public Membership membership() {
        return new EngineMembership(hz);
    }

    /** Closes member connections whose handshake goes unanswered for {@code bound} ({@link StalledHandshakes}). */
    public StalledHandshakes watchHandshakes(java.time.Duration bound, String owner) {
        return StalledHandshakes.watch(hz, bound, owner);
    }

    /** Runs {@code action} (on an engine thread) when this member or client starts shutting down. */
    public void onShutdown(Runnable action) {
        hz.getLifecycleService().addLifecycleListener(e -> {
            if (e.getState() == com.hazelcast.core.LifecycleEvent.LifecycleState.SHUTTING_DOWN
                    || e.getState() == com.hazelcast.core.LifecycleEvent.LifecycleState.SHUTDOWN) {
                action.run();
            }
        });
    }

    /** Two handles on the same member or client are equal. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Engine other && other.hz == hz;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(hz);
    }

    /** Leaves the node in order: the engine hands this member's partitions to the others first. */
    public void shutdown() {
        hz.shutdown();
    }

    /** Leaves at once, as a crash would: the others find out from their own detection. */
    public void terminate() {
        hz.getLifecycleService().terminate();
    }

    /** The table of that name (configured by the node's engine configuration). */
    @Override
    public <K, V> Table<K, V> table(String name) {
        return new MapTable<>(hz.getMap(name));
    }

    /**
     * The node's ring of that name, holding the newest {@code capacity} entries. A member
     * configures it the first time it asks (every member must ask with the same capacity); a
     * client reads the members' ring as configured there.
     */
    public <T> Ring<T> eventRing(String name, int capacity) {
        if (!(hz.getLocalEndpoint() instanceof com.hazelcast.client.Client)) {
            hz.getConfig().addRingBufferConfig(new com.hazelcast.config.RingbufferConfig(name).setCapacity(capacity)
                    .setBackupCount(1).setTimeToLiveSeconds(0));
        }
        return new EngineRing<>(hz.getRingbuffer(name));
    }

    /** The index of that name. */
    @Override
    public <K, V> MultiTable<K, V> multiTable(String name) {
        return new MultiMapTable<>(hz.getMultiMap(name));
    }

    private record MapTable<K, V>(IMap<K, V> map) implements Table<K, V> {
        @Override
        public V get(K key) {
            return map.get(key);
        }

        @Override
        public boolean containsKey(K key) {
            return map.containsKey(key);
        }

        @Override
        public CompletionStage<V> getAsync(K key) {
            return map.getAsync(key);
        }

        @Override
        public Map<K, V> getAll(Set<K> keys) {
            return map.getAll(keys);
        }

        @Override
        public void set(K key, V value) {
            write(() -> {
                map.set(key, value);
                return null;
            });
        }

        @Override
        public V putIfAbsent(K key, V value) {
            return write(() -> map.putIfAbsent(key, value));
        }

        @Override
        public boolean replace(K key, V expected, V value) {
            return write(() -> map.replace(key, expected, value));
        }

        @Override
        public V remove(K key) {
            return write(() -> map.remove(key));
        }

        @Override
        public boolean remove(K key, V expected) {
            return write(() -> map.remove(key, expected));
        }

        @Override
        public Set<K> keySet() {
            return Set.copyOf(map.keySet());
        }

        @Override
        public Collection<V> values() {
            return List.copyOf(map.values());
        }

        @Override
        public int size() {
            return map.size();
        }

        @Override
        public <R> R update(K key, Update<K, V, R> update) {
            return write(() -> map.executeOnKey(key, new EngineUpdate<>(update)));
        }

        @Override
        public <R> CompletionStage<R> updateAsync(K key, Update<K, V, R> update) {
            CompletionStage<R> sent;
            try {
                sent = map.submitToKey(key, new EngineUpdate<>(update));
            } catch (RuntimeException e) {
                throw translated(e);
            }
            return sent.handle((r, failure) -> {
                if (failure != null) {
                    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                            ? failure.getCause() : failure;
                    throw new CompletionException(cause instanceof RuntimeException re ? translated(re) : cause);
                }
                return r;
            });
        }

        @Override
        public UUID onAdded(BiConsumer<K, V> listener) {
            return map.addEntryListener((EntryAddedListener<K, V>) (EntryEvent<K, V> e) ->
                    listener.accept(e.getKey(), e.getValue()), true);
        }

        @Override
        public UUID onKeyChanged(java.util.function.Consumer<K> listener) {
            return map.addEntryListener(new TableEvents.KeyChanges<>(listener), false);
        }

        @Override
        public UUID onKeyChanged(K key, java.util.function.Consumer<K> listener) {
            return map.addEntryListener(new TableEvents.KeyChanges<>(listener), key, false);
        }

        @Override
        public void onEntriesLost(Runnable listener) {
            map.addEntryListener(new TableEvents.WholesaleLoss(listener), false);
            map.addPartitionLostListener(e -> listener.run());
        }

        @Override
        public void stopListening(UUID registration) {
            map.removeEntryListener(registration);
        }
    }

    /** A write, with the engine's split-brain refusal turned into {@link QuorumRefusal}. */
    private static <T> T write(Supplier<T> change) {
        try {
            return change.get();
        } catch (RuntimeException e) {
            throw translated(e);
        }
    }

    /** How deep a refusal may sit in a chain of causes: the engine wraps some remote failures. */
    private static final int MAX_CAUSES = 8;

    private static RuntimeException translated(RuntimeException e) {
        Throwable t = e;
        for (int depth = 0; t != null && depth < MAX_CAUSES; depth++) {
            if (t instanceof SplitBrainProtectionException) {
                return new QuorumRefusal(t.getMessage(), e);
            }
            t = t.getCause();
        }
        return e;
    }

    private record MultiMapTable<K, V>(MultiMap<K, V> map) implements MultiTable<K, V> {
        @Override
        public Collection<V> get(K key) {
            return List.copyOf(map.get(key));
        }

        @Override
        public boolean put(K key, V value) {
            return map.put(key, value);
        }

        @Override
        public boolean remove(K key, V value) {
            return map.remove(key, value);
        }

        @Override
        public int valueCount(K key) {
            return map.valueCount(key);
        }
    }
}
