package org.openpair.emulator.pairs;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.zip.CRC32;

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

    /**
     * Adds a chunk's entries to a CRC, each as its key's and value's UTF-8 bytes behind their
     * lengths (so "ab","c" and "a","bc" differ): the sender and the receiver run the same sum.
     */
    static void checksum(CRC32 crc, Map<String, String> entries) {
        ByteBuffer len = ByteBuffer.allocate(4);
        for (var e : entries.entrySet()) {
            for (String s : new String[] {e.getKey(), e.getValue()}) {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                crc.update(len.clear().putInt(b.length).array());
                crc.update(b);
            }
        }
    }

    private static final class Encoder implements Iterator<byte[]> {
        private final Iterator<Map.Entry<String, String>> entries;
        private final byte[] replies;
        private final RestartPolicy policy;
        private final int entryCount;
        private final CRC32 stateCrc = new CRC32();
        private int repliesSent;
        private int step; // 0 begin, 1 state, 2 replies, 3 end, 4 done
        private Map.Entry<String, String> carried;

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
                    return CheckpointRecord.encode(new CheckpointRecord.TransferBegin(entryCount, replies.length));
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
                    byte[] part = Arrays.copyOfRange(replies, repliesSent, repliesSent + n);
                    repliesSent += n;
                    if (repliesSent == replies.length) {
                        step = 3;
                    }
                    return CheckpointRecord.encode(new CheckpointRecord.TransferReplies(part), 4 + 4 + n);
                }
                case 3 -> {
                    step = 4;
                    CRC32 repliesCrc = new CRC32();
                    repliesCrc.update(replies);
                    return CheckpointRecord.encode(new CheckpointRecord.TransferEnd(entryCount, stateCrc.getValue(),
                            replies.length, repliesCrc.getValue(), policy));
                }
                default -> throw new NoSuchElementException();
            }
        }

        /** Entries until the chunk is full; an entry never splits, so one large entry is a chunk alone. */
        private byte[] stateChunk() {
            Map<String, String> chunk = new LinkedHashMap<>();
            int bytes = 0;
            while ((carried != null || entries.hasNext()) && (chunk.isEmpty() || bytes < CHUNK_BYTES)) {
                Map.Entry<String, String> e = carried != null ? carried : entries.next();
                carried = null;
                int size = 8 + utf8Length(e.getKey()) + utf8Length(e.getValue());
                if (!chunk.isEmpty() && bytes + size > CHUNK_BYTES) {
                    carried = e;
                    break;
                }
                chunk.put(e.getKey(), e.getValue());
                bytes += size;
            }
            checksum(stateCrc, chunk);
            return CheckpointRecord.encode(new CheckpointRecord.TransferState(chunk), 4 + 4 + bytes);
        }
    }

    /** A string's length in UTF-8 without encoding it. */
    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
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

        /** A BEGIN record; throws {@link IllegalArgumentException} when it announces what cannot be. */
        static Incoming begin(CheckpointRecord.TransferBegin begin) {
            if (begin.entries() < 0 || begin.repliesBytes() < 0 || begin.repliesBytes() > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException("state transfer of " + begin.entries() + " entries and "
                        + begin.repliesBytes() + " bytes of saved replies");
            }
            return new Incoming(begin.entries(), begin.repliesBytes());
        }

        void state(CheckpointRecord.TransferState chunk) {
            checksum(stateCrc, chunk.entries());
            state.putAll(chunk.entries());
            if (state.size() > expectedEntries) {
                throw new IllegalArgumentException("state transfer sent more than the " + expectedEntries
                        + " entries it announced");
            }
        }

        void replies(CheckpointRecord.TransferReplies part) {
            if (part.bytes().length > replies.remaining()) {
                throw new IllegalArgumentException("state transfer sent more than the " + expectedReplies
                        + " bytes of saved replies it announced");
            }
            replies.put(part.bytes());
        }

        /**
         * The END record: the verified transfer, or {@link IllegalArgumentException} naming what
         * does not match.
         */
        Result end(CheckpointRecord.TransferEnd end) {
            CRC32 got = new CRC32();
            got.update(replies.array(), 0, replies.position());
            if (end.entries() != expectedEntries || state.size() != end.entries() || end.stateCrc() != stateCrc.getValue()
                    || end.repliesBytes() != expectedReplies || replies.position() != end.repliesBytes()
                    || end.repliesCrc() != got.getValue()) {
                throw new IllegalArgumentException("state transfer does not verify: " + state.size() + " of "
                        + end.entries() + " entries (CRC " + Long.toHexString(stateCrc.getValue()) + ", sent "
                        + Long.toHexString(end.stateCrc()) + "), " + replies.position() + " of " + end.repliesBytes()
                        + " bytes of saved replies");
            }
            return new Result(state, replies.array(), end.policy());
        }
    }

    /** A verified transfer. */
    record Result(Map<String, String> state, byte[] savedReplies, RestartPolicy policy) {
    }
}
