package org.openpair.emulator.pairs;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.zip.CRC32;

import org.openpair.emulator.codec.GuardianCodecs;
import org.openpair.guardian.RestartPolicy;

/**
 * A new backup's initial state, streamed as checkpoints of bounded size: BEGIN, then the
 * key-value state in chunks, then the saved replies in chunks, then END with the counts and
 * CRC-32s of everything sent. The backup verifies END against what it received and only then
 * replaces its state; a mismatch is refused, so the primary drops that backup instead of
 * counting it as one that may take over. No state is too large to be sent: no record is larger
 * than {@link #CHUNK_BYTES} plus one entry, and an entry is bounded by the checkpoint limit.
 */
final class StateTransfer {
    /** A chunk is cut once it holds this many bytes; well under the link's frame limit. */
    static final int CHUNK_BYTES = 256 * 1024;

    private StateTransfer() {
    }

    /**
     * The records that carry {@code state}, {@code savedReplies} (as {@link SavedReplies}
     * encodes them) and the restart policy, encoded one at a time as the caller sends them.
     */
    static Iterator<byte[]> records(Map<String, String> state, byte[] savedReplies, RestartPolicy policy) {
        return new Encoder(state, savedReplies, policy);
    }

    private static final class Encoder implements Iterator<byte[]> {
        private final Iterator<Map.Entry<String, String>> entries;
        private final byte[] replies;
        private final RestartPolicy policy;
        private final int entryCount;
        private final CRC32 stateCrc = new CRC32();
        private int repliesSent;
        private int step; // 0 begin, 1 state, 2 replies, 3 end, 4 done
        private byte[][] carried;

        Encoder(Map<String, String> state, byte[] replies, RestartPolicy policy) {
            this.entries = state.entrySet().iterator();
            this.entryCount = state.size();
            this.replies = replies;
            this.policy = policy;
        }

        @Override
        public boolean hasNext() {
            return step < 4;
        }

        @Override
        public byte[] next() {
            switch (step) {
                case 0 -> {
                    step = entries.hasNext() ? 1 : replies.length > 0 ? 2 : 3;
                    return ByteBuffer.allocate(1 + 4 + 8).put(CheckpointRecord.TRANSFER_BEGIN).putInt(entryCount)
                            .putLong(replies.length).array();
                }
                case 1 -> {
                    byte[] chunk = stateChunk();
                    if (!entries.hasNext() && carried == null) {
                        step = replies.length > 0 ? 2 : 3;
                    }
                    return chunk;
                }
                case 2 -> {
                    int n = Math.min(CHUNK_BYTES, replies.length - repliesSent);
                    byte[] out = new byte[1 + n];
                    out[0] = CheckpointRecord.TRANSFER_REPLIES;
                    System.arraycopy(replies, repliesSent, out, 1, n);
                    repliesSent += n;
                    if (repliesSent == replies.length) {
                        step = 3;
                    }
                    return out;
                }
                case 3 -> {
                    step = 4;
                    CRC32 repliesCrc = new CRC32();
                    repliesCrc.update(replies);
                    return ByteBuffer.allocate(1 + 4 + 8 + 8 + 8 + 1 + 4 + 8)
                            .put(CheckpointRecord.TRANSFER_END).putInt(entryCount).putLong(stateCrc.getValue())
                            .putLong(replies.length).putLong(repliesCrc.getValue())
                            .put((byte) GuardianCodecs.RESTART_TYPE.codeOf(policy.type())).putInt(policy.maxRestarts())
                            .putLong(policy.period().toMillis()).array();
                }
                default -> throw new NoSuchElementException();
            }
        }

        /** Entries until the chunk is full; an entry never splits, so one large entry is a chunk alone. */
        private byte[] stateChunk() {
            List<byte[][]> chunk = new ArrayList<>();
            int bytes = 0;
            while ((carried != null || entries.hasNext()) && (chunk.isEmpty() || bytes < CHUNK_BYTES)) {
                byte[][] kv;
                if (carried != null) {
                    kv = carried;
                    carried = null;
                } else {
                    Map.Entry<String, String> e = entries.next();
                    kv = new byte[][] {e.getKey().getBytes(StandardCharsets.UTF_8), e.getValue().getBytes(StandardCharsets.UTF_8)};
                }
                int size = 8 + kv[0].length + kv[1].length;
                if (!chunk.isEmpty() && bytes + size > CHUNK_BYTES) {
                    carried = kv;
                    break;
                }
                chunk.add(kv);
                bytes += size;
            }
            ByteBuffer out = ByteBuffer.allocate(1 + 4 + bytes).put(CheckpointRecord.TRANSFER_STATE).putInt(chunk.size());
            for (byte[][] kv : chunk) {
                out.putInt(kv[0].length).put(kv[0]).putInt(kv[1].length).put(kv[1]);
            }
            byte[] record = out.array();
            stateCrc.update(record, 1, record.length - 1);
            return record;
        }
    }

    /**
     * The receiving end: collects one transfer and verifies it. Not thread-safe; the backup
     * calls it under its own lock, in checkpoint order.
     */
    static final class Incoming {
        private final int expectedEntries;
        private final long expectedReplies;
        private final Map<String, String> state;
        private final CRC32 stateCrc = new CRC32();
        private final ByteBuffer replies;

        private Incoming(int entries, long repliesBytes) {
            this.expectedEntries = entries;
            this.expectedReplies = repliesBytes;
            this.state = new HashMap<>(Math.max(16, entries * 4 / 3 + 1));
            this.replies = ByteBuffer.allocate((int) repliesBytes);
        }

        /** A BEGIN record; throws {@link IllegalArgumentException} when it is malformed. */
        static Incoming begin(byte[] record) {
            ByteBuffer b = ByteBuffer.wrap(record, 1, record.length - 1);
            int entries = b.getInt();
            long repliesBytes = b.getLong();
            if (entries < 0 || repliesBytes < 0 || repliesBytes > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException("state transfer of " + entries + " entries and " + repliesBytes
                        + " bytes of saved replies");
            }
            return new Incoming(entries, repliesBytes);
        }

        void state(byte[] record) {
            stateCrc.update(record, 1, record.length - 1);
            ByteBuffer b = ByteBuffer.wrap(record, 1, record.length - 1);
            int n = b.getInt();
            for (int i = 0; i < n; i++) {
                byte[] k = new byte[b.getInt()];
                b.get(k);
                byte[] v = new byte[b.getInt()];
                b.get(v);
                state.put(new String(k, StandardCharsets.UTF_8), new String(v, StandardCharsets.UTF_8));
            }
            if (state.size() > expectedEntries) {
                throw new IllegalArgumentException("state transfer sent more than the " + expectedEntries
                        + " entries it announced");
            }
        }

        void replies(byte[] record) {
            if (record.length - 1 > replies.remaining()) {
                throw new IllegalArgumentException("state transfer sent more than the " + expectedReplies
                        + " bytes of saved replies it announced");
            }
            replies.put(record, 1, record.length - 1);
        }

        /**
         * The END record: the verified transfer, or {@link IllegalArgumentException} naming what
         * does not match.
         */
        Result end(byte[] record) {
            ByteBuffer b = ByteBuffer.wrap(record, 1, record.length - 1);
            int entries = b.getInt();
            long crc = b.getLong();
            long repliesBytes = b.getLong();
            long repliesCrc = b.getLong();
            RestartPolicy.Type type = GuardianCodecs.RESTART_TYPE.constant(b.get());
            RestartPolicy policy = new RestartPolicy(type, b.getInt(), Duration.ofMillis(b.getLong()));
            CRC32 got = new CRC32();
            got.update(replies.array(), 0, replies.position());
            if (entries != expectedEntries || state.size() != entries || crc != stateCrc.getValue()
                    || repliesBytes != expectedReplies || replies.position() != repliesBytes
                    || repliesCrc != got.getValue()) {
                throw new IllegalArgumentException("state transfer does not verify: " + state.size() + " of " + entries
                        + " entries (CRC " + Long.toHexString(stateCrc.getValue()) + ", sent " + Long.toHexString(crc)
                        + "), " + replies.position() + " of " + repliesBytes + " bytes of saved replies");
            }
            return new Result(state, replies.array(), policy);
        }
    }

    /** A verified transfer. */
    record Result(Map<String, String> state, byte[] savedReplies, RestartPolicy policy) {
    }
}
