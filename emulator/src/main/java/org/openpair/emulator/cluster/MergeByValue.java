package org.openpair.emulator.cluster;

import java.io.IOException;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;

/**
 * The engine's merge policy for a table whose values are {@link Mergeable}: the smaller side's
 * value decides against the larger side's. Hazelcast makes it from its class name, so the rule
 * cannot be handed in; it travels with the values instead.
 *
 * <p>It asks for plain merging values, not {@code MapMergeTypes}: Hazelcast hands those over only
 * to maps that keep per-entry statistics.
 */
public final class MergeByValue implements SplitBrainMergePolicy<Object, MergingValue<Object>, Object> {
    /** Hazelcast makes the policy from its class name. */
    public MergeByValue() {
    }

    @Override
    @SuppressWarnings("unchecked")
    public Object merge(MergingValue<Object> merging, MergingValue<Object> existing) {
        Object value = merging.getDeserializedValue();
        if (!(value instanceof Mergeable<?>)) {
            // A table configured for this policy holds only mergeable values; anything else is
            // not ours to judge, and the larger side, whose processes go on, keeps its own.
            return existing == null ? null : existing.getRawValue();
        }
        Mergeable<Object> mine = (Mergeable<Object>) value;
        if (existing == null) {
            return mine.keptAlone() ? merging.getRawValue() : null;
        }
        return mine.replaces(existing.getDeserializedValue()) ? merging.getRawValue() : existing.getRawValue();
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        // No state: the rule travels with the values.
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        // No state: the rule travels with the values.
    }
}
