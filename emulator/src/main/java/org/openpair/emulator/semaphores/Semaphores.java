package org.openpair.emulator.semaphores;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

import org.openpair.emulator.cluster.MultiTable;
import org.openpair.emulator.cluster.Table;
import org.openpair.emulator.metrics.CpuMetrics;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.DeathPolicy;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.RobustSemaphore;
import org.openpair.guardian.SemaphoreInfo;

/**
 * The node's robust semaphores, for one caller (a process, or the operator with
 * {@code caller == null}): create, open, list, purge. Each semaphore is one entry of
 * {@link #MAP}; {@link #INDEX} maps a CPU number to the semaphores its processes have used, so
 * that a death on that CPU (or that CPU's loss) visits only those entries, by key.
 */
public final class Semaphores {
    /** Semaphore name → {@link SemaphoreRecord}. */
    public static final String MAP = "openpair.semaphores";
    /** CPU number → names of the semaphores its processes acquired or queued on. */
    public static final String INDEX = "openpair.semaphore-cpus";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    final NodeTables tables;
    final ProcessHandle caller;
    /** The caller's CPU's, where its acquisitions' waits are counted. */
    final CpuMetrics metrics;
    /** Made at first use and kept: every acquire and release goes through it. */
    private volatile Table<String, SemaphoreRecord> map;

    public Semaphores(NodeTables tables, ProcessHandle caller, CpuMetrics metrics) {
        this.tables = tables;
        this.caller = caller;
        this.metrics = metrics;
    }

    Table<String, SemaphoreRecord> map() {
        Table<String, SemaphoreRecord> t = map;
        if (t == null) {
            t = tables.engine().table(MAP);
            map = t;
        }
        return t;
    }

    MultiTable<Integer, String> index() {
        return tables.engine().multiTable(INDEX);
    }

    static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new GuardianException(GuardianError.BAD_NAME, "a semaphore name is 1-64 letters, digits, '.', '_' "
                    + "or '-': " + (name == null ? "null" : "'" + name + "'"));
        }
        return name;
    }

    static void checkPermits(int permits) {
        if (permits < 1) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "permits must be at least 1: " + permits);
        }
    }

    public RobustSemaphore create(String name, int permits, DeathPolicy policy) {
        checkName(name);
        checkPermits(permits);
        if (policy == null) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "a death policy is required");
        }
        map().update(name, new SemaphoreOps.Create(name, permits, policy)).orThrow();
        return new ClusterSemaphore(this, name);
    }

    public RobustSemaphore open(String name) {
        checkName(name);
        if (!map().containsKey(name)) {
            throw noSuch(name);
        }
        return new ClusterSemaphore(this, name);
    }

    public List<SemaphoreInfo> list() {
        List<SemaphoreInfo> all = new ArrayList<>();
        for (SemaphoreRecord r : map().values()) {
            all.add(r.info());
        }
        all.sort(Comparator.comparing(SemaphoreInfo::name));
        return all;
    }

    public int purge(String name) {
        checkName(name);
        return (int) map().update(name, new SemaphoreOps.Purge()).orThrow().number();
    }

    static GuardianException noSuch(String name) {
        return new GuardianException(GuardianError.NOT_FOUND, "no semaphore named " + name);
    }
}
