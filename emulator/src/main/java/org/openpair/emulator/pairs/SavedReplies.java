package org.openpair.emulator.pairs;

import java.util.Iterator;
import java.util.LinkedHashMap;

import org.openpair.emulator.codec.CodecException;
import org.openpair.emulator.codec.Decoder;
import org.openpair.emulator.codec.Encoder;

/**
 * A server's memory of what it already answered: per open, the highest sync ID it replied to
 * and its last replies (as many as the open's sync depth). It is part of the pair's state:
 * every change reaches the backup in the same checkpoint as the reply it records, and a new
 * backup starts from a snapshot of it, so a request resent after a takeover is recognised.
 *
 * <p>The number of opens remembered is bounded ({@link #MAX_OPENS}); beyond it the open least
 * recently replied to is forgotten (its next resend of an old sync ID is refused as too old
 * rather than executed twice).
 */
public final class SavedReplies {
    /** Opens remembered per server. */
    public static final int MAX_OPENS = 10_000;

    /** What a server does with an arriving request. */
    public enum Admission {
        /** Never seen: execute it. */
        NEW,
        /** Already replied to and saved: answer with {@link #saved}. */
        SAVED,
        /** Older than every saved reply of its open: refuse it. */
        TOO_OLD
    }

    private final LinkedHashMap<Long, Opener> opens = new LinkedHashMap<>(16, 0.75f, true);

    /** Decides on a request by its sync ID. */
    public synchronized Admission admit(long openId, long syncId) {
        Opener o = opens.get(openId);
        if (o == null || syncId > o.highest) {
            return Admission.NEW;
        }
        return o.replies.containsKey(syncId) ? Admission.SAVED : Admission.TOO_OLD;
    }

    /** The saved reply, or null. */
    public synchronized byte[] saved(long openId, long syncId) {
        Opener o = opens.get(openId);
        return o == null ? null : o.replies.get(syncId);
    }

    /** Records a reply; only the last {@code depth} (at least one) replies of an open are kept. */
    public synchronized void record(long openId, long syncId, int depth, byte[] reply) {
        Opener o = opens.computeIfAbsent(openId, id -> new Opener());
        o.highest = Math.max(o.highest, syncId);
        o.replies.put(syncId, reply);
        int keep = Math.max(1, depth);
        Iterator<Long> oldest = o.replies.keySet().iterator();
        while (o.replies.size() > keep && oldest.hasNext()) {
            oldest.next();
            oldest.remove();
        }
        while (opens.size() > MAX_OPENS) {
            Iterator<Long> lru = opens.keySet().iterator();
            lru.next();
            lru.remove();
        }
    }

    /** The open was closed: its replies are forgotten. */
    public synchronized void forget(long openId) {
        opens.remove(openId);
    }

    public synchronized int opens() {
        return opens.size();
    }

    /** The whole memory, for a new backup: in the runtime's codec, opens in their LRU order. */
    synchronized byte[] snapshot() {
        Encoder out = new Encoder();
        out.i32(opens.size());
        for (var e : opens.entrySet()) {
            out.i64(e.getKey()).i64(e.getValue().highest).i32(e.getValue().replies.size());
            for (var r : e.getValue().replies.entrySet()) {
                out.i64(r.getKey()).bytes(r.getValue());
            }
        }
        return out.toByteArray();
    }

    /**
     * Replaces the memory with a snapshot taken by {@link #snapshot()}; a snapshot that does not
     * read whole is a {@link CodecException} and changes nothing.
     */
    synchronized void restore(byte[] snapshot) {
        Decoder in = new Decoder(snapshot, 0, snapshot.length);
        LinkedHashMap<Long, Opener> read = new LinkedHashMap<>();
        int n = in.i32();
        if (n < 0 || n > MAX_OPENS) {
            throw new CodecException("a saved-replies snapshot of " + n + " opens (at most " + MAX_OPENS + ")");
        }
        for (int i = 0; i < n; i++) {
            long openId = in.i64();
            Opener o = new Opener();
            o.highest = in.i64();
            int replies = in.i32();
            if (replies < 0 || replies > snapshot.length) {
                throw new CodecException("an open of " + replies + " saved replies in a snapshot of "
                        + snapshot.length + " bytes");
            }
            for (int j = 0; j < replies; j++) {
                o.replies.put(in.i64(), in.bytes());
            }
            read.put(openId, o);
        }
        in.end("saved-replies snapshot");
        opens.clear();
        opens.putAll(read);
    }

    private static final class Opener {
        long highest;
        final LinkedHashMap<Long, byte[]> replies = new LinkedHashMap<>();
    }
}
