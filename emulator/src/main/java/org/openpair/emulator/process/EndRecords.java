package org.openpair.emulator.process;

import org.openpair.emulator.names.NameUpdates;
import org.openpair.emulator.node.CpuRouter;
import org.openpair.emulator.node.CpuTask;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.SystemMessage;
import org.openpair.guardian.Takeover;
import org.openpair.guardian.TakeoverCause;
import org.openpair.guardian.Termination;

/**
 * Writes a process's end to the node tables in the order a takeover needs: the name first,
 * with the notice to the partner's CPU, then the death, and only then the process entry, so
 * a process missing from the table always has its end on record.
 */
final class EndRecords {
    /** Logs as the process table, where these lines always were. */
    private static final System.Logger LOG = System.getLogger(ProcessTable.class.getName());

    private final int cpu;
    private final NodeTables tables;
    private final CpuRouter router;

    EndRecords(int cpu, NodeTables tables, CpuRouter router) {
        this.cpu = cpu;
        this.tables = tables;
        this.router = router;
    }

    /**
     * The takeover's critical path is the name update and the notice to the backup's CPU, so
     * they come first; the death is recorded right after. The process entry goes only once the
     * death is recorded, so a process missing from the table always has its end on record; if
     * this CPU dies before that, the survivors' sweep finds the entry (through the index) and
     * records the end instead.
     */
    void record(LocalProcess process, Termination t) {
        ProcessHandle handle = process.handle();
        try {
            String key = NodeTables.processKey(handle);
            if (process.info.name() != null) {
                NameUpdates.Result r = tables.names().update(process.info.name().toString(),
                        new NameUpdates.RetireMember(handle, cpu));
                // This CPU changed the entry: its own lookups must not wait for the change's event.
                tables.nameLookups().stale(process.info.name().toString());
                tellPartner(r, t, false, router);
            }
            tables.terminations().set(NodeTables.terminationKey(handle), t);
            tables.processes().update(key, new NodeTables.RemoveIfHeldBy<>(handle));
            tables.cpuProcesses().remove(cpu, key);
        } catch (RuntimeException e) {
            // The member is shutting down or gone: the survivors retire this CPU's entries.
            LOG.log(System.Logger.Level.WARNING, "{0}: could not record its end in the node tables: {1}",
                    process.info.descriptor(), e.toString());
        }
    }

    /** See {@link ProcessTable#tellPartner}. */
    static void tellPartner(NameUpdates.Result r, Termination t, boolean cpuLost, CpuRouter router) {
        if (r.before() != null && r.before().closing()) {
            // The pair is being stopped as a whole: nobody takes over, nothing is re-created.
            return;
        }
        SystemMessage message = cpuLost ? new SystemMessage.CpuDown(t.process().cpu(), t)
                : new SystemMessage.ProcessDeletion(t);
        switch (r.outcome()) {
            case REMOVED -> {
                // The primary died before its backup held the whole state: that backup is stopped.
                ProcessHandle unready = r.before() == null ? null : r.before().backup();
                if (unready != null) {
                    router.tell(unready.cpu(), new CpuTask.Stop(unready, null));
                }
            }
            case PROMOTED -> {
                ProcessHandle promoted = r.after().primary();
                Takeover takeover = new Takeover(TakeoverCause.of(t), t.process(), t, r.after().epoch());
                router.tell(promoted.cpu(), new CpuTask.Promote(promoted, takeover, message, null));
            }
            case BACKUP_DETACHED -> router.tell(r.after().primary().cpu(),
                    new CpuTask.PartnerDied(r.after().primary(), t.process(), message));
            default -> {
                // Nothing to tell: the name is gone, or was not held by this member.
            }
        }
    }
}
