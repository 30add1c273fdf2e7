package org.openpair.guardian;

import java.nio.ByteBuffer;

/**
 * A transaction on the state a {@link RobustSemaphore} protects: changes are collected in the
 * caller and applied together by {@link #commit()}, in one atomic step on the node, only while
 * the caller still holds a permit. A holder that dies before the commit (any death, its CPU's
 * included) leaves the last committed state exactly as it was.
 *
 * {@snippet :
 * Acquisition a = sem.acquire(1);
 * ProtectedState s = sem.state();
 * long from = s.getLong("a").orElse(0), to = s.getLong("b").orElse(0);
 * sem.update().putLong("a", from - 10).putLong("b", to + 10).commit();
 * sem.release(1);
 * }
 */
public interface StateUpdate {
    /** Sets {@code key} to a copy of {@code value}. */
    StateUpdate put(String key, byte[] value);

    /** Sets {@code key} to a long (8 bytes, big-endian), read back by {@link ProtectedState#getLong}. */
    default StateUpdate putLong(String key, long value) {
        return put(key, ByteBuffer.allocate(Long.BYTES).putLong(value).array());
    }

    /** Removes {@code key}. */
    StateUpdate remove(String key);

    /**
     * Applies every change at once and returns the new {@link ProtectedState#version()}.
     *
     * @throws GuardianException 2 the caller holds no permit of the semaphore (or is not a
     *                           process); 4131 the semaphore is not recoverable; 11 it no longer
     *                           exists; 22 the state would exceed {@link RobustSemaphore#MAX_STATE_BYTES}
     */
    long commit();
}
