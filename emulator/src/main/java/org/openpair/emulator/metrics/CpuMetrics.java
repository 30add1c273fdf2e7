package org.openpair.emulator.metrics;

import org.openpair.guardian.Takeover;

/**
 * What a CPU counts and times, called where it happens. Every method is cheap and allocates
 * nothing on the per-request path; {@link #NONE} is the CPU without metrics.
 */
public interface CpuMetrics {
    /** Counts nothing: a CPU whose metrics are off. */
    CpuMetrics NONE = new None();

    /**
     * A backup of this CPU became the primary (counted once per promotion, on the promoted
     * member's CPU). Its duration is measured from {@link org.openpair.guardian.Termination#at()}
     * of the old primary's end, when it has one (a switch has none).
     */
    void takeover(Takeover takeover);

    /** A checkpoint of a primary of this CPU was acknowledged by its backup, {@code nanos} after it was sent. */
    void checkpointAcked(long nanos);

    /** A request arrived at the $RECEIVE of a process of this CPU (new, resent or refused). */
    void requestArrived();

    /** A reply left for a request that arrived {@code nanos} ago: the server's side of a WRITEREAD. */
    void replyWritten(long nanos);

    /** A process of this CPU acquired a semaphore after waiting {@code nanos} since its call. */
    void semaphoreAcquired(long nanos);

    /** See {@link #NONE}. */
    final class None implements CpuMetrics {
        private None() {
        }

        @Override
        public void takeover(Takeover takeover) {
        }

        @Override
        public void checkpointAcked(long nanos) {
        }

        @Override
        public void requestArrived() {
        }

        @Override
        public void replyWritten(long nanos) {
        }

        @Override
        public void semaphoreAcquired(long nanos) {
        }
    }
}
