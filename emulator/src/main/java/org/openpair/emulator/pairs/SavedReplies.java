package org.openpair.emulator.pairs;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

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

    /** The whole memory, for a new backup. */
    synchronized byte[] snapshot() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(opens.size());
            for (var e : opens.entrySet()) {
                out.writeLong(e.getKey());
                out.writeLong(e.getValue().highest);
                out.writeInt(e.getValue().replies.size());
                for (var r : e.getValue().replies.entrySet()) {
                    out.writeLong(r.getKey());
                    out.writeInt(r.getValue().length);
                    out.write(r.getValue());
                }
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces the memory with a snapshot taken by {@link #snapshot()}. */
    synchronized void restore(byte[] snapshot, int offset) {
        Map<Long, Opener> read = new HashMap<>();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot, offset,
                snapshot.length - offset))) {
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                long openId = in.readLong();
                Opener o = new Opener();
                o.highest = in.readLong();
                int replies = in.readInt();
                for (int j = 0; j < replies; j++) {
                    long syncId = in.readLong();
                    byte[] reply = new byte[in.readInt()];
                    in.readFully(reply);
                    o.replies.put(syncId, reply);
                }
                read.put(openId, o);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt saved-replies snapshot", e);
        }
        opens.clear();
        opens.putAll(read);
    }

    private static final class Opener {
        long highest;
        final LinkedHashMap<Long, byte[]> replies = new LinkedHashMap<>();
    }
}
