package org.openpair.emulator.pairs;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.openpair.guardian.CheckpointResult;
import org.openpair.guardian.CheckpointedMap;

/**
 * A pair member's checkpointed key-value state. On the primary a change is checkpointed
 * before it is made, under this object's monitor and then the send lock (that order, in
 * every caller), so that a backup created meanwhile gets each change either in its snapshot
 * or on its channel, never both and never neither. On the backup the checkpoints arriving
 * are made here at once, without the monitor (only that member's checkpoint thread writes).
 */
final class CheckpointedState implements CheckpointedMap {
    private final Map<String, String> entries = new ConcurrentHashMap<>();
    /** The member's synchronous checkpoint: a change reaches the backup in call order. */
    private final Function<byte[], CheckpointResult> checkpoint;

    CheckpointedState(Function<byte[], CheckpointResult> checkpoint) {
        this.checkpoint = checkpoint;
    }

    @Override
    public Optional<String> get(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    @Override
    public CheckpointResult put(String key, String value) {
        synchronized (this) {
            CheckpointResult r = checkpoint.apply(CheckpointRecord.encode(new CheckpointRecord.Put(Map.of(key, value))));
            entries.put(key, value);
            return r;
        }
    }

    @Override
    public CheckpointResult remove(String key) {
        synchronized (this) {
            CheckpointResult r = checkpoint.apply(CheckpointRecord.encode(new CheckpointRecord.Remove(List.of(key))));
            entries.remove(key);
            return r;
        }
    }

    @Override
    public Map<String, String> snapshot() {
        return Map.copyOf(entries);
    }

    /** Makes changes that were checkpointed already (with a reply, or received as the backup). */
    void putAll(Map<String, String> changes) {
        entries.putAll(changes);
    }

    /** Removes keys as a checkpoint received by the backup says. */
    void removeAll(Collection<String> keys) {
        keys.forEach(entries::remove);
    }

    /** The whole state from a completed state transfer. */
    void replace(Map<String, String> state) {
        entries.clear();
        entries.putAll(state);
    }

    int size() {
        return entries.size();
    }
}
