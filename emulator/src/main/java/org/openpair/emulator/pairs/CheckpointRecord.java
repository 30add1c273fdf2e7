package org.openpair.emulator.pairs;

import java.util.List;
import java.util.Map;

import org.openpair.emulator.codec.Codec;
import org.openpair.emulator.codec.Encoder;
import org.openpair.emulator.codec.GuardianCodecs;
import org.openpair.emulator.codec.Scalars;
import org.openpair.emulator.codec.Union;
import org.openpair.guardian.RestartPolicy;

/**
 * The payload of one checkpoint: the program's own bytes, a change of the checkpointed
 * key-value state, a reply with its change, or a part of a new backup's state transfer. It
 * travels in the runtime's codec (type ids 900-999), as a member of one union, so the
 * backup reads exactly the kinds listed here and refuses anything else.
 */
sealed interface CheckpointRecord {
    /** The program's own bytes, applied by its applier in {@code awaitTakeover}. */
    record User(byte[] data) implements CheckpointRecord {
    }

    /** Keys set in the checkpointed state. */
    record Put(Map<String, String> entries) implements CheckpointRecord {
    }

    /** Keys removed from the checkpointed state. */
    record Remove(List<String> keys) implements CheckpointRecord {
    }

    /**
     * A reply with the state change it made ({@link User} or {@link Put}, or null when the
     * reply changed nothing): the backup saves the reply and applies the change in one step.
     */
    record Reply(long openId, long syncId, int depth, byte[] reply, CheckpointRecord change) implements CheckpointRecord {
        public Reply {
            if (change != null && !(change instanceof User) && !(change instanceof Put)) {
                throw new IllegalArgumentException("a reply's change is the program's bytes or a state change, not "
                        + change.getClass().getSimpleName());
            }
        }
    }

    /** An open was closed: its saved replies go. */
    record CloseOpen(long openId) implements CheckpointRecord {
    }

    /** The pair's restart policy, to the member that may become primary (sent after a switch). */
    record Policy(RestartPolicy policy) implements CheckpointRecord {
    }

    /** A new backup's state transfer (see {@link StateTransfer}): its start, with what it will send. */
    record TransferBegin(int entries, long repliesBytes) implements CheckpointRecord {
    }

    /** A chunk of the key-value state. */
    record TransferState(Map<String, String> entries) implements CheckpointRecord {
    }

    /** A chunk of the saved replies' snapshot. */
    record TransferReplies(byte[] bytes) implements CheckpointRecord {
    }

    /** The end: counts and CRC-32s to verify, and the pair's restart policy. */
    record TransferEnd(int entries, long stateCrc, long repliesBytes, long repliesCrc, RestartPolicy policy)
            implements CheckpointRecord {
    }

    Codec<User> USER = Codec.of(901, User.class, (out, r) -> out.bytes(r.data()), in -> new User(in.bytes()));
    Codec<Put> PUT = Codec.of(902, Put.class, (out, r) -> out.map(Scalars.STRING, Scalars.STRING, r.entries()),
            in -> new Put(in.map(Scalars.STRING, Scalars.STRING)));
    Codec<Remove> REMOVE = Codec.of(903, Remove.class, (out, r) -> out.collection(Scalars.STRING, r.keys()),
            in -> new Remove(in.list(Scalars.STRING)));
    Codec<CloseOpen> CLOSE_OPEN = Codec.of(905, CloseOpen.class, (out, r) -> out.i64(r.openId()),
            in -> new CloseOpen(in.i64()));
    Codec<Policy> POLICY = Codec.of(906, Policy.class, (out, r) -> out.value(GuardianCodecs.RESTART_POLICY, r.policy()),
            in -> new Policy(in.value(GuardianCodecs.RESTART_POLICY)));
    Codec<TransferBegin> TRANSFER_BEGIN = Codec.of(907, TransferBegin.class,
            (out, r) -> out.i32(r.entries()).i64(r.repliesBytes()), in -> new TransferBegin(in.i32(), in.i64()));
    Codec<TransferState> TRANSFER_STATE = Codec.of(908, TransferState.class,
            (out, r) -> out.map(Scalars.STRING, Scalars.STRING, r.entries()),
            in -> new TransferState(in.map(Scalars.STRING, Scalars.STRING)));
    Codec<TransferReplies> TRANSFER_REPLIES = Codec.of(909, TransferReplies.class, (out, r) -> out.bytes(r.bytes()),
            in -> new TransferReplies(in.bytes()));
    Codec<TransferEnd> TRANSFER_END = Codec.of(910, TransferEnd.class,
            (out, r) -> out.i32(r.entries()).i64(r.stateCrc()).i64(r.repliesBytes()).i64(r.repliesCrc())
                    .value(GuardianCodecs.RESTART_POLICY, r.policy()),
            in -> new TransferEnd(in.i32(), in.i64(), in.i64(), in.i64(), in.value(GuardianCodecs.RESTART_POLICY)));
    /** A reply's change is one of the two kinds a reply may carry, or absent. */
    Codec<CheckpointRecord> CHANGE = Union.of(911, CheckpointRecord.class, USER, PUT);
    Codec<Reply> REPLY = Codec.of(904, Reply.class,
            (out, r) -> out.i64(r.openId()).i64(r.syncId()).i32(r.depth()).bytes(r.reply()).optional(CHANGE, r.change()),
            in -> new Reply(in.i64(), in.i64(), in.i32(), in.bytes(), in.optional(CHANGE)));
    Codec<CheckpointRecord> CODEC = Union.of(900, CheckpointRecord.class, USER, PUT, REMOVE, REPLY, CLOSE_OPEN, POLICY,
            TRANSFER_BEGIN, TRANSFER_STATE, TRANSFER_REPLIES, TRANSFER_END);

    /** Bytes of a USER record besides the program's own: the union's type id and the length. */
    int USER_HEADER = 4 + 4;

    /** The program's checkpoint bytes as a record, encoded into an array of its exact size. */
    static byte[] user(byte[] data) {
        return encode(new User(data), USER_HEADER + data.length);
    }

    /**
     * A reply and its change as a record; exact-sized unless the change is a state change,
     * whose size is known only once written.
     */
    static byte[] reply(long openId, long syncId, int depth, byte[] reply, CheckpointRecord change) {
        int size = 4 + 8 + 8 + 4 + 4 + reply.length + 1;
        if (change instanceof User u) {
            size += USER_HEADER + u.data().length;
        } else if (change != null) {
            size = -1;
        }
        return encode(new Reply(openId, syncId, depth, reply, change), size);
    }

    /** Bytes of a REPLY record besides its reply and change: union id, open, sync ID, depth, length, presence. */
    int REPLY_HEADER = 4 + 8 + 8 + 4 + 4 + 1;

    /** A record's bytes; {@code exactSize} (or -1) sizes the array so a large record is not copied twice. */
    static byte[] encode(CheckpointRecord record, int exactSize) {
        Encoder out = exactSize >= 0 ? new Encoder(exactSize) : new Encoder();
        out.value(CODEC, record);
        return out.toByteArray();
    }

    static byte[] encode(CheckpointRecord record) {
        return encode(record, -1);
    }

    /** A record from a checkpoint's bytes; a {@code CodecException} for anything else. */
    static CheckpointRecord decode(byte[] bytes) {
        return CODEC.decode(bytes);
    }
}
