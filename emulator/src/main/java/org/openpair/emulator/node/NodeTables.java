package org.openpair.emulator.node;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import org.openpair.emulator.cluster.Engine;
import org.openpair.emulator.cluster.MultiTable;
import org.openpair.emulator.cluster.Table;
import org.openpair.emulator.cluster.TableStore;
import org.openpair.emulator.cluster.Update;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.emulator.names.NameCache;
import org.openpair.emulator.names.NameCodecs;
import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.security.NodeKey;
import org.openpair.emulator.security.Seal;
import org.openpair.emulator.security.SealedTable;
import org.openpair.emulator.threads.SystemThreads;
import org.openpair.guardian.Termination;

/**
 * The node-wide tables every CPU and client reads: which CPUs are up, the processes of all
 * CPUs, the name table (NSK's DCT) and recent deaths. Each table is a partitioned map with one
 * synchronous backup, so it survives the loss of any one CPU.
 *
 * <p>Only a process's own CPU writes its entry, except after that CPU's loss, when the
 * survivors retire its entries with conditional removes (exactly one of them wins each entry).
 */
public final class NodeTables {
    public static final String CPUS = "openpair.cpus";
    public static final String PROCESSES = "openpair.processes";
    public static final String NAMES = "openpair.names";
    public static final String TERMINATIONS = "openpair.terminations";
    public static final String CPU_PROCESSES = "openpair.cpu-processes";

    private final TableStore store;
    private final Engine engine;
    private final NodeKey key;
    /** Made at first use, as the engine's maps always were: a client's map costs a call to the node. */
    private volatile SealedTable<Integer, CpuRecord> cpus;
    private volatile SealedTable<String, NameEntry> names;
    private volatile NameCache nameCache;

    /** The tables of a node without a key, as a CPU of it or a client sees them. */
    public NodeTables(Engine engine) {
        this(engine, Optional.empty());
    }

    /**
     * The tables as a holder of {@code key} sees them: the records that decide who is primary
     * and where a request goes (the name and CPU tables) are sealed with it and verified.
     */
    public NodeTables(Engine engine, Optional<NodeKey> key) {
        this(engine, engine, key);
    }

    /** The tables in {@code store} with no engine behind them (the in-memory store of unit tests). */
    public NodeTables(TableStore store) {
        this(store, Optional.empty());
    }

    /** {@link #NodeTables(TableStore)} as a holder of {@code key} sees them. */
    public NodeTables(TableStore store, Optional<NodeKey> key) {
        this(store, null, key);
    }

    private NodeTables(TableStore store, Engine engine, Optional<NodeKey> key) {
        this.store = store;
        this.engine = engine;
        this.key = key.orElse(null);
    }

    /** The engine underneath, for what is not behind the seam yet. */
    public Engine engine() {
        if (engine == null) {
            throw new IllegalStateException("these tables are held without an engine");
        }
        return engine;
    }

    /** CPU number → the member that holds it. */
    public Table<Integer, CpuRecord> cpus() {
        return cpuRecords();
    }

    /** The CPU table with what the repair of its records needs: reads that tell a forged record. */
    public SealedTable<Integer, CpuRecord> cpuRecords() {
        SealedTable<Integer, CpuRecord> t = cpus;
        if (t == null) {
            synchronized (this) {
                if (cpus == null) {
                    cpus = new SealedTable<>("CPU table", store.table(CPUS), key, NodeTableCodecs.SEALING);
                }
                t = cpus;
            }
        }
        return t;
    }

    /** "cpu,pin" → the live process. */
    public Table<String, ProcessInfo> processes() {
        return store.table(PROCESSES);
    }

    /**
     * CPU number → the keys of its processes: what the survivors of a lost CPU read to find
     * its processes. A key lookup, not a query over the process table, because a query waits
     * for the partition migrations a CPU's loss starts (seconds), while a key is readable as
     * soon as its backup is promoted.
     */
    public MultiTable<Integer, String> cpuProcesses() {
        return store.multiTable(CPU_PROCESSES);
    }

    /** "$NAME" → the process that holds the name. */
    public Table<String, NameEntry> names() {
        return nameRecords();
    }

    /** The name table with what the repair of its entries needs: reads that tell a forged entry. */
    public SealedTable<String, NameEntry> nameRecords() {
        SealedTable<String, NameEntry> t = names;
        if (t == null) {
            synchronized (this) {
                if (names == null) {
                    names = new SealedTable<>("name table", store.table(NAMES), key, NameCodecs.SEALING);
                }
                t = names;
            }
        }
        return t;
    }

    /**
     * The name entries as lookups read them: through this member's {@link NameCache}, fed by the
     * verifying name table. On a member it starts caching once its listeners are registered,
     * which a thread of its own does at the first call; a client's or an in-memory store's
     * never caches (a client's events stop while it reconnects, unseen), every read is the
     * table's. Only for reads that route or answer a caller: a write decides on
     * {@link #names()}.
     */
    public NameCache nameLookups() {
        NameCache c = nameCache;
        if (c == null) {
            boolean start = false;
            synchronized (this) {
                if (nameCache == null) {
                    nameCache = new NameCache(nameRecords(), NameCache.CAPACITY);
                    start = engine != null && engine.isMember();
                }
                c = nameCache;
            }
            if (start) {
                NameCache cache = c;
                SystemThreads.daemon(() -> {
                    try {
                        cache.listen(engine.membership());
                    } catch (RuntimeException e) {
                        System.getLogger(NodeTables.class.getName()).log(System.Logger.Level.WARNING,
                                "the name cache stays off: {0}", e.toString());
                    }
                }, "name-cache-listen").start();
            }
        }
        return c;
    }

    /** Handle descriptor → how the process died; kept an hour. */
    public Table<String, Termination> terminations() {
        return store.table(TERMINATIONS);
    }

    public static String processKey(ProcessHandle handle) {
        return processKey(handle.cpu(), handle.pin());
    }

    public static String processKey(int cpu, int pin) {
        return cpu + "," + pin;
    }

    public static String terminationKey(ProcessHandle handle) {
        return handle.descriptor(null);
    }

    /** The CPU number of a process key. */
    public static int cpuOfKey(String key) {
        return Integer.parseInt(key.substring(0, key.indexOf(',')));
    }

    /**
     * A CPU's claim on its number, and the port of its checkpoint link; {@code seal} is the
     * writer's MAC on a node with a key, only as stored (see {@link SealedTable}).
     */
    public record CpuRecord(int cpu, String memberUuid, String address, Instant started, int linkPort, Seal seal) {
        /** A record without a seal: the table seals what it stores. */
        public CpuRecord(int cpu, String memberUuid, String address, Instant started, int linkPort) {
            this(cpu, memberUuid, address, started, linkPort, null);
        }

        /** This record with {@code s} as its seal ({@code null}: without one). */
        public CpuRecord withSeal(Seal s) {
            return new CpuRecord(cpu, memberUuid, address, started, linkPort, s);
        }
    }


    /**
     * Removes a process entry only if it still belongs to the given process (same handle,
     * verifier included), returning what it removed. Atomic on the key's partition, so a retiring CPU and
     * the survivors of a lost CPU never remove a later process's entry.
     */
    public record RemoveIfHeldBy<V>(ProcessHandle holder) implements Update<String, V, V> {
        @Override
        public V apply(Map.Entry<String, V> entry) {
            V value = entry.getValue();
            ProcessHandle current = value instanceof ProcessInfo p ? p.handle() : null;
            if (holder.equals(current)) {
                entry.setValue(null);
                return value;
            }
            return null;
        }
    }

    /** Sets a process entry's ancestor, if the entry still holds that process. */
    public record SetAncestorIfHeldBy(ProcessHandle holder, ProcessHandle ancestor)
            implements Update<String, ProcessInfo, Boolean> {
        @Override
        public Boolean apply(Map.Entry<String, ProcessInfo> entry) {
            ProcessInfo p = entry.getValue();
            if (p == null || !holder.equals(p.handle())) {
                return false;
            }
            entry.setValue(new ProcessInfo(p.handle(), p.name(), p.program(), p.priority(), p.pid(), p.started(),
                    ancestor, p.logFile()));
            return true;
        }
    }
}
