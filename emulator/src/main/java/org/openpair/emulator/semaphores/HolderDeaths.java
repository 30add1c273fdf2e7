package org.openpair.emulator.semaphores;

import java.util.List;

import org.openpair.emulator.events.Event;
import org.openpair.emulator.events.EventLog;
import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.Termination;

/**
 * Applies one recorded death to every semaphore the dead process's CPU has used: its permits go
 * as each semaphore's policy says and its queued acquires go. Run by the {@link SemaphoreReaper}
 * when the death is recorded, and by a waiter that finds a holder dead on its periodic
 * re-check; both are idempotent, so running twice does nothing more.
 */
final class HolderDeaths {
    private HolderDeaths() {
    }

    /** {@code cpu} is the CPU that applies the death, which logs the permits it orphans. */
    static void apply(NodeTables tables, Termination t, int cpu) {
        ProcessHandle dead = t.process();
        Semaphores s = new Semaphores(tables, null, org.openpair.emulator.metrics.CpuMetrics.NONE);
        List<String> names = List.copyOf(s.index().get(dead.cpu()));
        if (names.isEmpty()) {
            return;
        }
        ProcessHandle partner = takeoverPartner(tables, t);
        for (String name : names) {
            Outcome o = s.map().update(name, new SemaphoreOps.HolderDied(dead, partner));
            if (o != null && SemaphoreOps.HolderDied.ORPHANED.equals(o.message())) {
                EventLog.emit(dead.node(), cpu, new Event.SemaphoreOrphaned(name, dead, (int) o.number()));
            }
        }
    }

    /**
     * The live member of the dead process's pair that takes over from it: its backup while the
     * name entry still names the dead process, the new primary once the backup was promoted.
     */
    static ProcessHandle takeoverPartner(NodeTables tables, Termination t) {
        if (t.name() == null) {
            return null;
        }
        NameEntry entry = tables.names().get(t.name().toString());
        if (entry == null) {
            return null;
        }
        ProcessHandle partner = entry.holds(t.process()) ? entry.partnerOf(t.process()) : entry.primary();
        if (partner == null || partner.equals(t.process())) {
            return null;
        }
        ProcessInfo live = tables.processes().get(NodeTables.processKey(partner));
        return live != null && live.handle().equals(partner) ? partner : null;
    }
}
