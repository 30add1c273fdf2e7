package org.openpair.guardian;

import java.util.Map;
import java.util.Optional;

/**
 * A pair's checkpointed key-value state: the primary changes it, each change is shipped to the
 * backup as a checkpoint, and a backup that takes over finds exactly the changes that were
 * acknowledged. A simple server needs no state-shipping code of its own.
 *
 * {@snippet :
 * CheckpointedMap state = context.state();
 * long next = state.getLong("counter").orElse(0L) + 1;
 * state.putLong("counter", next);    // returns once the backup holds it (or there is none)
 * }
 */
public interface CheckpointedMap {

    Optional<String> get(String key);

    /** Sets a value and checkpoints the change; the result says whether a backup holds it. */
    CheckpointResult put(String key, String value);

    /** Removes a key and checkpoints the change. */
    CheckpointResult remove(String key);

    default Optional<Long> getLong(String key) {
        return get(key).map(Long::parseLong);
    }

    default CheckpointResult putLong(String key, long value) {
        return put(key, Long.toString(value));
    }

    /** A copy of the whole state. */
    Map<String, String> snapshot();
}
