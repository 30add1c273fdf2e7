package org.openpair.emulator.names;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;

import org.openpair.emulator.cluster.Membership;
import org.openpair.emulator.cluster.Table;
import org.openpair.emulator.threads.SystemThreads;

/**
 * One CPU's cache of name entries, in front of the reads of the name table that route or
 * answer a caller: {@code lookup}, {@code PROCESS_GETPAIRINFO_}, an open and its re-resolution
 * after a takeover. A name read twice without a change in between costs one table read.
 *
 * <p>Its rules, each for a reason:
 * <ul>
 *   <li>Only what the table handed out enters it, and the table given is the one that verifies
 *       seals on a node with a key: a forged or altered entry reads as absent there, and absence
 *       is never cached, so nothing unverified is ever served from here.</li>
 *   <li>Every change the engine reports for a name (added, updated, removed, merged, evicted,
 *       expired) drops its entry; a table emptied wholesale or a lost partition drops them all.
 *       A read that was under way while its name changed is not kept (a stamp per stripe of
 *       names, compared under the lock), so the old value of a racing read never outlives the
 *       change's event.</li>
 *   <li>A cached entry is never replaced by an older epoch of the same pair (same creation
 *       time): epochs only grow for a pair. A name ended and created again starts a new line of
 *       epochs, and its new entry takes the old one's place.</li>
 *   <li>Evidence elsewhere that a pair has moved on (a request refused as not primary, a
 *       checkpoint refused for its epoch, a takeover or switch on this CPU) drops the name at
 *       once ({@link #stale}, {@link #newerEpoch}), so whoever was routed by the old entry reads
 *       the table next.</li>
 *   <li>Events can be lost when the view changes: a CPU joining or leaving, or a merge after a
 *       split, drops everything; while the change listener is not registered (startup, a merge
 *       under way) nothing is cached and every read goes to the table.</li>
 *   <li>At most {@code capacity} names: beyond that the oldest cached goes.</li>
 * </ul>
 * Reads that decide who is primary for a write (promotion, switch, retirement, registration,
 * record repair, backup creation) never come here: they read the table, which decides.
 */
public final class NameCache {
    private static final System.Logger LOG = System.getLogger(NameCache.class.getName());
    /** More names than a node has: the process table of a CPU holds 4096. */
    public static final int CAPACITY = 4096;
    private static final int STRIPES = 64;

    private final Table<String, NameEntry> table;
    private final int capacity;
    /** Insertion order: the eldest is evicted first. Guarded by this. */
    private final LinkedHashMap<String, NameEntry> entries = new LinkedHashMap<>();
    /** Bumped by each change of a name of the stripe. Guarded by this. */
    private final long[] stamps = new long[STRIPES];
    /** Bumped by each drop of everything. Guarded by this. */
    private long generation;
    /** Guarded by this. */
    private boolean listening;
    private volatile UUID registration;
    private final LongAdder hits = new LongAdder();
    private final LongAdder reads = new LongAdder();

    /**
     * A cache over {@code table} that caches nothing until {@link #listen} has registered: the
     * table's reads must verify seals where the node has a key.
     */
    public NameCache(Table<String, NameEntry> table, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a name cache holds at least one name, not " + capacity);
        }
        this.table = table;
        this.capacity = capacity;
    }

    /**
     * Registers for the table's changes and the view's, then starts caching. Blocks for the
     * engine's registration: call it on a thread of its own, never an engine thread.
     */
    public void listen(Membership membership) {
        membership.onCpuJoined(c -> dropAll("CPU " + c.cpu() + " joined"));
        membership.onCpuLeft(c -> dropAll("CPU " + c.cpu() + " left"));
        membership.onMerge(this::pause, this::relisten);
        table.onEntriesLost(() -> dropAll("entries of the name table went without events"));
        register();
    }

    private void register() {
        UUID id = table.onKeyChanged(this::changed);
        UUID old;
        synchronized (this) {
            old = registration;
            registration = id;
            generation++;
            entries.clear();
            listening = true;
        }
        if (old != null) {
            try {
                table.stopListening(old);
            } catch (RuntimeException e) {
                // The registration went with the member's old identity: nothing left to stop.
                LOG.log(System.Logger.Level.DEBUG, "the name cache's old registration: {0}", e.toString());
            }
        }
    }

    /** A merge begins: the table is about to be replaced, and the registration with it. */
    private void pause() {
        synchronized (this) {
            listening = false;
            generation++;
            entries.clear();
        }
    }

    /** After a merge this member is a new one: register again rather than trust the old registration. */
    private void relisten() {
        SystemThreads.daemon(() -> {
            try {
                register();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "the name cache stays off after a merge: {0}", e.toString());
            }
        }, "name-cache-relisten").start();
    }

    /**
     * The entry of {@code name}: the cached one, or the table's (cached if it is there and
     * nothing changed it during the read); {@code null} when the table has none (or only a
     * forged one).
     */
    public NameEntry get(String name) {
        long stamp;
        long gen;
        synchronized (this) {
            if (listening) {
                NameEntry e = entries.get(name);
                if (e != null) {
                    hits.increment();
                    return e;
                }
            }
            stamp = stamps[stripe(name)];
            gen = generation;
        }
        reads.increment();
        NameEntry read = table.get(name);
        if (read != null) {
            remember(name, read, stamp, gen);
        }
        return read;
    }

    private synchronized void remember(String name, NameEntry read, long stamp, long gen) {
        if (!listening || gen != generation || stamps[stripe(name)] != stamp) {
            return;
        }
        NameEntry held = entries.get(name);
        if (held != null && held.created().equals(read.created()) && held.epoch() > read.epoch()) {
            return;
        }
        entries.remove(name);
        entries.put(name, read);
        for (Iterator<String> eldest = entries.keySet().iterator(); entries.size() > capacity; ) {
            eldest.next();
            eldest.remove();
        }
    }

    /** The engine reports a change of {@code name}: on an engine thread, so only the lock, briefly. */
    private synchronized void changed(String name) {
        stamps[stripe(name)]++;
        entries.remove(name);
    }

    /** Something that read {@code name} from here was refused by the pair: the next read goes to the table. */
    public synchronized void stale(String name) {
        changed(name);
    }

    /** The pair of {@code name} is at {@code epoch} or beyond: an entry older than that goes. */
    public synchronized void newerEpoch(String name, long epoch) {
        stamps[stripe(name)]++;
        NameEntry held = entries.get(name);
        if (held != null && held.epoch() < epoch) {
            entries.remove(name);
        }
    }

    private void dropAll(String why) {
        synchronized (this) {
            generation++;
            entries.clear();
        }
        LOG.log(System.Logger.Level.DEBUG, "name cache dropped: {0}", why);
    }

    /** Whether a read now may be kept: the listener is registered and no merge is under way. */
    public synchronized boolean caching() {
        return listening;
    }

    /** How many names are cached now. */
    public synchronized int size() {
        return entries.size();
    }

    /** Reads answered here since the start. */
    public long hits() {
        return hits.sum();
    }

    /** Reads that went to the table since the start. */
    public long reads() {
        return reads.sum();
    }

    private static int stripe(String name) {
        return (name.hashCode() & Integer.MAX_VALUE) % STRIPES;
    }
}
