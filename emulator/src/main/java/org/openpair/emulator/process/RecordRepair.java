package org.openpair.emulator.process;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;

import org.openpair.emulator.events.Event;
import org.openpair.emulator.events.EventLog;
import org.openpair.emulator.names.Epochs;
import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.pairs.PairMember;
import org.openpair.emulator.security.SealedTable;
import org.openpair.emulator.threads.Clock;
import org.openpair.emulator.threads.SystemThreads;
import org.openpair.guardian.PairRole;

/**
 * The repair of name entries by the CPU that holds their truth, on a node with a key. The
 * engine is untrusted storage: anyone who reaches its port can remove, alter or replay an
 * entry. The CPU hosting a named primary knows its pair's entry: the last authentic entry it
 * saw naming that process primary at the process's own epoch (its writes and its reads; see
 * {@link SealedTable#witness}). When the entry is removed, forged (its seal fails), or an
 * authentic entry contradicts that knowledge (an older one replayed, or one naming another
 * primary without a takeover), the CPU writes the true entry again, conditionally on the entry
 * still holding what it found, and logs a WARNING and a {@link Event.RecordRepaired}.
 *
 * <p>It never fights a legitimate change: an authentic entry at a higher epoch naming this
 * primary's backup as the primary is a switch or a takeover, and the process learns of it by
 * the pair protocol; from then on this CPU holds no truth for the name. Nor does it act for a
 * process that is ending, fenced or stopping, for a pair being stopped as a whole (its entry
 * marked closing), or while this CPU sees fewer CPUs than the quorum (it may be on the small
 * side of a split, whose primaries are fenced).
 *
 * <p>It watches the name table's changes and audits its own names every {@link #AUDIT_PERIOD},
 * for a change whose event it missed; both are cheap, as only this CPU's primaries are looked at.
 */
public final class RecordRepair implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RecordRepair.class.getName());
    /** How often the CPU looks at the entries it holds the truth of. */
    public static final Duration AUDIT_PERIOD = Duration.ofSeconds(2);

    private final String node;
    private final int cpu;
    private final SealedTable<String, NameEntry> names;
    private final Map<Integer, LocalProcess> live;
    private final BooleanSupplier seesQuorum;
    /** Name → the last authentic entry naming a primary of this CPU at its epoch. */
    private final Map<String, NameEntry> truth = new ConcurrentHashMap<>();
    /** Names of {@link #truth} that no primary here held at the last audit. */
    private final java.util.Set<String> unheld = ConcurrentHashMap.newKeySet();
    private final ExecutorService work;
    private volatile UUID listening;
    private volatile Clock.Periodic audit;

    private RecordRepair(String node, int cpu, NodeTables tables, Map<Integer, LocalProcess> live,
                         BooleanSupplier seesQuorum) {
        this.node = node;
        this.cpu = cpu;
        this.names = tables.nameRecords();
        this.live = live;
        this.seesQuorum = seesQuorum;
        this.work = Executors.newSingleThreadExecutor(r -> SystemThreads.daemon(r, "cpu" + cpu + "-repair"));
    }

    /** Starts the repair; without a key it does nothing, as a node without one always did. */
    static RecordRepair start(String node, int cpu, NodeTables tables, Map<Integer, LocalProcess> live,
                              BooleanSupplier seesQuorum, Clock clock) {
        RecordRepair r = new RecordRepair(node, cpu, tables, live, seesQuorum);
        if (r.names.keyed()) {
            r.names.witness(r::witness);
            r.names.onForged(r::later);
            r.listening = r.names.onKeyChanged(r::later);
            r.audit = clock.everyAfter(AUDIT_PERIOD, "cpu" + cpu + "-audit", r::audit);
        }
        return r;
    }

    /** Whether this CPU holds the truth of {@code name} now: what a test waits for before it attacks. */
    public boolean holdsTruthOf(String name) {
        LocalProcess p = primaryOf(name);
        NameEntry known = truth.get(name);
        return p != null && known != null && known.primary().equals(p.handle()) && known.epoch() == p.pair.epoch();
    }

    /**
     * An authentic entry was read or written: the truth, if it names a primary here at its
     * epoch, or a process of this CPU still being created (its name is claimed before it runs).
     */
    private void witness(String key, NameEntry e) {
        if (e.primary() == null || e.primary().cpu() != cpu) {
            return;
        }
        LocalProcess p = primaryOf(key);
        if (p == null) {
            truth.merge(key, e, (old, now) -> now.epoch() >= old.epoch() ? now : old);
        } else if (p.handle().equals(e.primary()) && e.epoch() == p.pair.epoch()) {
            truth.put(key, e);
        }
    }

    /** Looks at {@code key} on the repair's thread, if a primary here holds the name: never on the engine's. */
    private void later(String key) {
        if (primaryOf(key) == null) {
            return;
        }
        try {
            work.execute(() -> check(key));
        } catch (RejectedExecutionException e) {
            // Closed: the CPU is going.
        }
    }

    /** Every entry this CPU holds the truth of, for changes whose event was missed. */
    void audit() {
        // An entry no primary here holds is kept one audit long: its process may be starting.
        for (String k : truth.keySet()) {
            if (primaryOf(k) != null) {
                unheld.remove(k);
            } else if (!unheld.add(k)) {
                truth.remove(k);
                unheld.remove(k);
            }
        }
        for (LocalProcess p : live.values()) {
            if (isPrimary(p)) {
                check(p.info.name().toString());
            }
        }
    }

    /** Compares the entry of {@code key} with the truth and restores it if it is wrong. */
    void check(String key) {
        try {
            LocalProcess p = primaryOf(key);
            if (p == null) {
                return;
            }
            if (!seesQuorum.getAsBoolean()) {
                return;
            }
            SealedTable.Reading<NameEntry> seen = names.read(key);
            NameEntry known = truth.get(key);
            if (known == null || !known.primary().equals(p.handle()) || known.epoch() != p.pair.epoch()) {
                return;
            }
            String found = wrong(key, seen, known);
            if (found == null) {
                return;
            }
            // The process's own lock: its end (which removes the name) is not under way, and
            // does not start until the entry is restored; it then retires it as always.
            synchronized (p) {
                if (!isPrimary(p) || live.get(p.handle().pin()) != p) {
                    return;
                }
                if (names.restore(key, seen.raw(), known)) {
                    String restored = describe(known);
                    LOG.log(System.Logger.Level.WARNING, "name table: {0} was {1}; CPU {2}, which holds its "
                            + "primary, wrote the true entry again ({3})", key, found, cpu, restored);
                    EventLog.emit(node, cpu, new Event.RecordRepaired("name table", key, found, restored));
                }
            }
        } catch (RuntimeException e) {
            // The engine refused or is going: the next audit looks again.
            LOG.log(System.Logger.Level.DEBUG, "name table: could not look at {0}: {1}", key, e.toString());
        }
    }

    /** What is wrong with the entry seen, or {@code null} when it is the truth or a legitimate change of it. */
    private String wrong(String key, SealedTable.Reading<NameEntry> seen, NameEntry known) {
        switch (seen.state()) {
            case ABSENT:
                // A pair being stopped as a whole loses its name on purpose.
                return known.closing() ? null : "removed";
            case FORGED:
                return "forged or altered (no valid seal)";
            default:
                break;
        }
        NameEntry e = seen.value();
        if (e.equals(known)) {
            return null;
        }
        if (e.epoch() < known.epoch()) {
            // Sealed once, by a holder of the key, but older than what this CPU knows: written again.
            return "replaced by an older entry (" + describe(e) + ")";
        }
        if (e.primary() != null && e.primary().equals(known.primary())) {
            // Same primary, same or later epoch: a change by another CPU (the backup detached),
            // which the witness has taken in already.
            return null;
        }
        if (e.epoch() > known.epoch() && known.backup() != null && known.backup().equals(e.primary())) {
            // A switch or takeover: the backup is the primary now, and this CPU holds no truth.
            truth.remove(key, known);
            return null;
        }
        return "replaced by an entry that contradicts its primary (" + describe(e) + ")";
    }

    private LocalProcess primaryOf(String key) {
        for (LocalProcess p : live.values()) {
            if (p.info.name() != null && p.info.name().toString().equals(key) && isPrimary(p)) {
                return p;
            }
        }
        return null;
    }

    private static boolean isPrimary(LocalProcess p) {
        PairMember m = p.pair;
        return m != null && p.info.name() != null && m.role() == PairRole.PRIMARY && !m.isFenced()
                && !p.stopRequested() && !p.ended.isDone();
    }

    private static String describe(NameEntry e) {
        return "primary " + e.primary().cpuPin() + ", backup " + (e.backup() == null ? "none" : e.backup().cpuPin())
                + ", epoch " + Epochs.format(e.epoch());
    }

    @Override
    public void close() {
        Clock.Periodic a = audit;
        if (a != null) {
            a.close();
        }
        UUID l = listening;
        if (l != null) {
            try {
                names.stopListening(l);
            } catch (RuntimeException e) {
                // The engine is gone already.
            }
        }
        work.shutdownNow();
    }
}
