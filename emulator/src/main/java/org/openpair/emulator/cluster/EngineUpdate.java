package org.openpair.emulator.cluster;

import java.io.IOException;
import java.util.Map;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.HazelcastSerializationException;
import com.hazelcast.nio.serialization.StreamSerializer;

/**
 * Runs a runtime {@link Update} as the engine's entry processor, on the entry's partition and
 * again on its backup. What travels is the update itself, by the runtime's codec.
 */
final class EngineUpdate<K, V, R> implements EntryProcessor<K, V, R> {
    private static final long serialVersionUID = 1L;
    /** This wrapper's serializer id, in the block of the cluster package's own types. */
    static final int TYPE_ID = 610;

    private final transient Update<K, V, R> update;

    EngineUpdate(Update<K, V, R> update) {
        this.update = update;
    }

    @Override
    public R process(Map.Entry<K, V> entry) {
        return update.apply(entry);
    }

    /** Writes the inner update, which the engine encodes by that update's own codec. */
    static final class Serializer implements StreamSerializer<EngineUpdate<?, ?, ?>> {
        @Override
        public int getTypeId() {
            return TYPE_ID;
        }

        @Override
        public void write(ObjectDataOutput out, EngineUpdate<?, ?, ?> u) throws IOException {
            out.writeObject(u.update);
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public EngineUpdate<?, ?, ?> read(ObjectDataInput in) throws IOException {
            Object inner = in.readObject();
            if (!(inner instanceof Update<?, ?, ?> u)) {
                throw new HazelcastSerializationException("an engine update carries an update, not "
                        + (inner == null ? "null" : inner.getClass().getName()));
            }
            return new EngineUpdate(u);
        }
    }
}
