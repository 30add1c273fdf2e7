package org.openpair.emulator.node;

import java.time.Instant;
import java.util.Map;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.multimap.MultiMap;

import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.emulator.names.NameEntry;
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
    public static final String CPU_EXECUTOR = "openpair.cpu";

    private final HazelcastInstance hz;

    public NodeTables(HazelcastInstance hz) {
        this.hz = hz;
    }

    public HazelcastInstance hazelcast() {
        return hz;
    }

    /** CPU number → the member that holds it. */
    public IMap<Integer, CpuRecord> cpus() {
        return hz.getMap(CPUS);
    }

    /** "cpu,pin" → the live process. */
    public IMap<String, ProcessInfo> processes() {
        return hz.getMap(PROCESSES);
    }

    /**
     * CPU number → the keys of its processes: what the survivors of a lost CPU read to find
     * its processes. A key lookup, not a query over the process table, because a query waits
     * for the partition migrations a CPU's loss starts (seconds), while a key is readable as
     * soon as its backup is promoted.
     */
    public MultiMap<Integer, String> cpuProcesses() {
        return hz.getMultiMap(CPU_PROCESSES);
    }

    /** "$NAME" → the process that holds the name. */
    public IMap<String, NameEntry> names() {
        return hz.getMap(NAMES);
    }

    /** Handle descriptor → how the process died; kept an hour. */
    public IMap<String, Termination> terminations() {
        return hz.getMap(TERMINATIONS);
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

    /** A CPU's claim on its number, and the port of its checkpoint link. */
    public record CpuRecord(int cpu, String memberUuid, String address, Instant started, int linkPort) {
    }


    /**
     * Removes a process entry only if it still belongs to the given process (same handle,
     * verifier included), returning what it removed. Atomic on the key's partition, so a retiring CPU and
     * the survivors of a lost CPU never remove a later process's entry.
     */
    public record RemoveIfHeldBy<V>(ProcessHandle holder) implements EntryProcessor<String, V, V> {
        @Override
        public V process(Map.Entry<String, V> entry) {
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
            implements EntryProcessor<String, ProcessInfo, Boolean> {
        @Override
        public Boolean process(Map.Entry<String, ProcessInfo> entry) {
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
