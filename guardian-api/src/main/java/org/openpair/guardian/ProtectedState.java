package org.openpair.guardian;

import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The last committed value of the key-value state a {@link RobustSemaphore} protects: an
 * immutable snapshot, read without holding a permit. It only ever changes by a whole
 * {@link StateUpdate#commit()}, so it is never a mix of two updates, and an update whose holder
 * died before committing left no trace in it.
 */
public final class ProtectedState {
    private final Map<String, byte[]> values;
    private final long version;

    public ProtectedState(Map<String, byte[]> values, long version) {
        TreeMap<String, byte[]> copy = new TreeMap<>();
        values.forEach((k, v) -> copy.put(k, v.clone()));
        this.values = Collections.unmodifiableMap(copy);
        this.version = version;
    }

    /** How many commits made this state (0: never written). */
    public long version() {
        return version;
    }

    /** A copy of the value of {@code key}, if any. */
    public Optional<byte[]> get(String key) {
        byte[] v = values.get(key);
        return v == null ? Optional.empty() : Optional.of(v.clone());
    }

    /** The value of {@code key} as written by {@link StateUpdate#putLong}. */
    public OptionalLong getLong(String key) {
        byte[] v = values.get(key);
        return v == null || v.length != Long.BYTES ? OptionalLong.empty() : OptionalLong.of(ByteBuffer.wrap(v).getLong());
    }

    /** The keys, sorted. */
    public java.util.Set<String> keys() {
        return values.keySet();
    }

    @Override
    public String toString() {
        return "ProtectedState{version=" + version + ", keys=" + values.keySet() + "}";
    }
}
