package org.openpair.emulator.link;

import java.util.Arrays;

/**
 * Collects, per stream, the last checkpoint accepted during one read so that the server sends
 * one cumulative ACK for all of them instead of one per checkpoint: with pipelined senders that
 * is what keeps the ack path cheaper than the send path. A refusal emits its stream's pending
 * ACK first, so that the client sees outcomes in seq order.
 */
final class AckCoalescer {
    private long[] streams = new long[4];
    private long[] epochs = new long[4];
    private long[] seqs = new long[4];
    private int size;

    /** Notes that {@code seq} was accepted; an earlier epoch of the same stream is emitted first. */
    void accepted(long stream, long epoch, long seq, FrameWriter out) {
        int i = indexOf(stream);
        if (i < 0) {
            if (size == streams.length) {
                streams = Arrays.copyOf(streams, size * 2);
                epochs = Arrays.copyOf(epochs, size * 2);
                seqs = Arrays.copyOf(seqs, size * 2);
            }
            i = size++;
            streams[i] = stream;
        } else if (epochs[i] != epoch) {
            out.append(FrameType.ACK, stream, epochs[i], seqs[i], null);
        }
        epochs[i] = epoch;
        seqs[i] = seq;
    }

    /** Emits the pending ACK of one stream, if any (before a NACK on it). */
    void emit(long stream, FrameWriter out) {
        int i = indexOf(stream);
        if (i >= 0) {
            out.append(FrameType.ACK, stream, epochs[i], seqs[i], null);
            size--;
            streams[i] = streams[size];
            epochs[i] = epochs[size];
            seqs[i] = seqs[size];
        }
    }

    /** Emits every pending ACK; the batch is over. */
    void emitAll(FrameWriter out) {
        for (int i = 0; i < size; i++) {
            out.append(FrameType.ACK, streams[i], epochs[i], seqs[i], null);
        }
        size = 0;
    }

    private int indexOf(long stream) {
        for (int i = 0; i < size; i++) {
            if (streams[i] == stream) {
                return i;
            }
        }
        return -1;
    }
}
