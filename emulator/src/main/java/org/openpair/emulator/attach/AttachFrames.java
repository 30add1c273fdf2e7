package org.openpair.emulator.attach;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

import org.openpair.emulator.link.FrameFormat;

/**
 * The attach socket's framing, both directions: the CPU link's frame format
 * ({@link FrameFormat}: a 4-byte big-endian length of what follows, the version, the frame
 * type, then stream, epoch and seq), with the call ID as the stream, epoch and seq 0, and the
 * payload ({@link AttachCalls}, written by the runtime's codec). The frame types are the attach
 * socket's own. The length is checked against a limit before anything is allocated, so a huge
 * length costs the reader nothing but the connection.
 *
 * <p>Child to CPU: {@link #HELLO} (first and once), then {@link #CALL}s whose payload starts with
 * the operation ({@link Op}). CPU to child: {@link #WELCOME}, then {@link #OK} or {@link #ERROR}
 * for each call (asynchronous calls are answered when their future completes), {@link #APPLY}
 * for each checkpoint a waiting {@code awaitTakeover} applies, and {@link #STOP} when the process
 * is asked to stop, {@link #SIGNAL} for each signal generated for the process (whose signal
 * state lives in the child).
 */
final class AttachFrames {
    static final byte VERSION = FrameFormat.VERSION;
    /** Version, type, call ID (the stream), epoch and seq. */
    static final int HEADER_BYTES = FrameFormat.HEADER_BYTES;
    /**
     * The largest frame body: a 1 MiB checkpoint plus a 256 KiB reply (a reply with its
     * checkpoint is the largest call) and room for the framing.
     */
    static final int MAX_BODY = (2 << 20);
    /** Before HELLO is accepted nothing larger is read: an unauthenticated peer gets no buffer. */
    static final int MAX_HELLO_BODY = 256;

    static final byte HELLO = 1;
    static final byte CALL = 2;
    /** A keyed guest's proof of the node key, before its first CALL (see {@link AdminProof}). */
    static final byte PROOF = 3;
    static final byte WELCOME = 20;
    static final byte OK = 21;
    static final byte ERROR = 22;
    static final byte APPLY = 23;
    static final byte STOP = 24;
    /** A signal generated for the process (payload: the signal's number, then the optional sender's handle). */
    static final byte SIGNAL = 25;
    /** Right after a keyed guest's WELCOME: the CPU's nonce, then its proof of the node key (see {@link AdminProof}). */
    static final byte CHALLENGE = 26;

    private AttachFrames() {
    }

    /** One frame as read. */
    record Frame(byte type, long callId, ByteBuffer payload) {
    }

    /** Tells the watchdog when a frame has started arriving and when it is complete. */
    interface Progress {
        void midFrame(boolean inside);
    }

    /**
     * Reads one frame, blocking.
     *
     * @throws EOFException            the peer closed the connection between frames
     * @throws AttachProtocolException bad length, version, or a frame cut off by the close
     */
    static Frame read(ReadableByteChannel channel, int maxBody, Progress progress)
            throws IOException, AttachProtocolException {
        ByteBuffer length = ByteBuffer.allocate(4);
        if (!fill(channel, length, progress, true)) {
            throw new EOFException("connection closed");
        }
        int n = length.flip().getInt();
        if (n < HEADER_BYTES || n > maxBody) {
            throw new AttachProtocolException("frame length " + n + " is outside " + HEADER_BYTES + ".." + maxBody);
        }
        ByteBuffer body = ByteBuffer.allocate(n);
        if (!fill(channel, body, progress, false)) {
            throw new AttachProtocolException("connection closed inside a frame of " + n + " bytes");
        }
        progress.midFrame(false);
        body.flip();
        FrameFormat.Header h = FrameFormat.header(body);
        if (h.version() != VERSION) {
            throw new AttachProtocolException("protocol version " + h.version() + ", expected " + VERSION);
        }
        if (h.epoch() != 0 || h.seq() != 0) {
            throw new AttachProtocolException("epoch " + h.epoch() + " and seq " + h.seq() + " on the attach socket, "
                    + "where both are 0");
        }
        return new Frame(h.type(), h.stream(), body.slice());
    }

    /** Fills {@code buffer}; false on a close before the first byte of a frame. */
    private static boolean fill(ReadableByteChannel channel, ByteBuffer buffer, Progress progress, boolean start)
            throws IOException, AttachProtocolException {
        while (buffer.hasRemaining()) {
            int r = channel.read(buffer);
            if (r < 0) {
                if (start && buffer.position() == 0) {
                    return false;
                }
                throw new AttachProtocolException("connection closed inside a frame");
            }
            if (r > 0 && start && buffer.position() == r) {
                progress.midFrame(true);
            }
        }
        return true;
    }

    /** Encodes a frame ready to write. */
    static ByteBuffer encode(byte type, long callId, byte[] payload) {
        return FrameFormat.encode(type, callId, 0, 0, payload);
    }

    /** Writes a whole buffer; callers serialise writers. */
    static void write(WritableByteChannel channel, ByteBuffer frame) throws IOException {
        while (frame.hasRemaining()) {
            channel.write(frame);
        }
    }

    /** The Guardian procedures of a {@link Op#GUARDIAN} call, one per method of {@code Guardian}'s that the CPU runs. */
    static final class GuardianOp {
        static final byte SPAWN = 1;
        static final byte STOP = 2;
        static final byte STOP_NAME = 3;
        static final byte STOP_SCOPE = 4;
        static final byte PAIR_INFO_NAME = 5;
        static final byte PAIR_INFO = 6;
        static final byte HANDLE_COMPARE = 7;
        static final byte SWITCH_PAIR = 8;
        static final byte LOOKUP = 9;
        static final byte PROCESS = 10;
        static final byte PROCESSES = 11;
        static final byte CPUS = 12;
        static final byte TERMINATION = 13;
        static final byte TERMINATIONS = 14;
        static final byte KILL = 15;
        static final byte KILL_NAME = 16;
        static final byte SEMAPHORES = 17;

        private GuardianOp() {
        }
    }

    /** The operations of a CALL frame. */
    static final class Op {
        static final byte ROLE = 1;
        static final byte STOP_REQUESTED = 2;
        static final byte END = 3;
        static final byte CREATE_BACKUP = 10;
        static final byte CHECKPOINT = 11;
        static final byte CHECKPOINT_ASYNC = 12;
        static final byte STATE_GET = 13;
        static final byte STATE_PUT = 14;
        static final byte STATE_REMOVE = 15;
        static final byte STATE_SNAPSHOT = 16;
        static final byte AWAIT_TAKEOVER = 17;
        static final byte READ_SYSTEM_MESSAGE = 18;
        static final byte OPEN_RECEIVE = 20;
        static final byte READ_UPDATE = 21;
        static final byte REPLY = 22;
        static final byte FILE_OPEN = 23;
        static final byte WRITE_READ = 24;
        static final byte FILE_CLOSE = 25;
        static final byte SET_LOOP_TIMER = 30;
        static final byte SEM_CREATE = 50;
        static final byte SEM_OPEN = 51;
        static final byte SEM_PURGE = 52;
        static final byte SEM_ACQUIRE = 53;
        static final byte SEM_RELEASE = 54;
        static final byte SEM_POST = 55;
        static final byte SEM_MARK_CONSISTENT = 56;
        static final byte SEM_HOLDING = 57;
        static final byte SEM_STATE = 58;
        static final byte SEM_COMMIT = 59;
        static final byte SEM_INFO = 60;
        /**
         * A signal's default action ended the process in the child (payload: the signal's number,
         * the optional sender): the CPU records the death as it would a hosted one's and kills it.
         */
        static final byte SIGNAL_END = 80;
        /** The child's signal thread took a routed SIGTIMEOUT (payload: the signal's number); answered with OK. */
        static final byte SIGNAL_TAKEN = 81;
        /** A Guardian procedure ({@link GuardianOp} follows), run by the CPU with the process's own Guardian. */
        static final byte GUARDIAN = 70;
        /** Interrupts the CPU-side call with the frame's call ID (the child's caller was interrupted). */
        static final byte CANCEL = 40;
        /** A guest reads the node's event ring (the {@code guardian events} command). */
        static final byte EVENTS = 90;
        /** A guest upgrades a pair to a new class path (the {@code guardian upgrade} command), run by the CPU. */
        static final byte UPGRADE = 91;

        private Op() {
        }
    }
}
