package org.openpair.emulator.pairs;

import java.util.concurrent.CompletableFuture;

/**
 * How a primary reaches its backup's CPU: an ordered, acknowledged channel per pair and
 * epoch. An implementation carries checkpoints over the CPUs' own TCP link.
 */
public interface CheckpointLinks {

    /**
     * Opens the channel to the backup with the given stream id (the backup's verifier) and
     * epoch; sequence numbers start at 1.
     */
    Channel open(int cpu, long stream, long epoch);

    /** An ordered channel: futures complete in send order, with the sequence number. */
    interface Channel extends AutoCloseable {
        /**
         * Sends one checkpoint; completes once the backup holds it, or exceptionally with a
         * {@link CheckpointFailure}.
         */
        CompletableFuture<Long> send(byte[] payload);

        /**
         * Sends one checkpoint and waits for its acknowledgement on the calling thread, which
         * is faster than parking on a future; throws {@link CheckpointFailure}, or
         * {@link InterruptedException} wrapped in nothing: the interrupt flag is set and a
         * {@link CheckpointFailure} of kind {@code INTERRUPTED} is thrown.
         */
        long sendAndAwait(byte[] payload);

        /**
         * Fails the checkpoints in flight at once and sends no more, without waiting for the
         * backup: for a primary that was fenced and must not stay blocked on an ack that may
         * never come. Safe from any thread that holds no lock of the sender's.
         */
        void abort(String why);

        @Override
        void close();
    }
}
