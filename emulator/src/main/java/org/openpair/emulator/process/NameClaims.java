package org.openpair.emulator.process;

import org.openpair.emulator.names.Epochs;
import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.names.NameTableQuorum;
import org.openpair.emulator.names.NameUpdates;
import org.openpair.emulator.node.CpuRouter;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;

/**
 * The name of a process being created, claimed in the name table after its process entry is
 * published: a free name is taken; one held by a live process is refused (12); a stale one
 * left by a lost CPU is replaced, its epoch still rising. A backup takes its place in its
 * primary's entry instead.
 */
final class NameClaims {
    /** Logs as the process table, where these lines always were. */
    private static final System.Logger LOG = System.getLogger(ProcessTable.class.getName());

    private final int cpu;
    private final NodeTables tables;
    private final CpuRouter router;

    NameClaims(int cpu, NodeTables tables, CpuRouter router) {
        this.cpu = cpu;
        this.tables = tables;
        this.router = router;
    }

    NameEntry claimName(NameEntry entry) {
        String key = entry.name().toString();
        return NameTableQuorum.write("CPU " + cpu, "naming " + key, () -> claimName(key, entry));
    }

    private NameEntry claimName(String key, NameEntry entry) {
        var names = tables.names();
        for (int attempt = 0; attempt < 10; attempt++) {
            NameEntry held = names.putIfAbsent(key, entry);
            if (held == null) {
                return entry;
            }
            if (isLive(held.primary()) || (held.backup() != null && isLive(held.backup()))) {
                throw new GuardianException(GuardianError.IN_USE, "name " + key + " is in use by "
                        + held.primary().descriptor(held.name()) + " (CPU " + held.primary().cpuPin() + ")");
            }
            // The stale entry's epoch goes on rising: whoever saw it must never meet a lower one under this name.
            NameEntry successor = new NameEntry(entry.name(), entry.primary(), null, Epochs.next(held.epoch(), cpu),
                    entry.created(), false, false, entry.creator());
            if (names.replace(key, held, successor)) {
                LOG.log(System.Logger.Level.INFO, "{0}: took over the stale entry of {1}", key,
                        held.primary().descriptor(held.name()));
                return successor;
            }
        }
        throw new GuardianException(GuardianError.IN_USE, "name " + key + " is being created by another process");
    }

    NameEntry attachBackup(ProcessName name, ProcessHandle primary, ProcessHandle backup) {
        NameUpdates.Result r = NameTableQuorum.write("CPU " + cpu, "a backup for " + name,
                () -> tables.names().update(name.toString(), new NameUpdates.AttachBackup(primary, backup)));
        return switch (r.outcome()) {
            case DONE -> r.after();
            case HAS_BACKUP -> throw new GuardianException(GuardianError.IN_USE, name + " already has a backup: "
                    + r.before().backup().cpuPin());
            default -> throw new GuardianException(GuardianError.OWNERSHIP_CHANGED, name + " is no longer held by "
                    + primary.cpuPin() + ": no backup created");
        };
    }

    private boolean isLive(ProcessHandle holder) {
        if (!router.isUp(holder.cpu())) {
            return false;
        }
        ProcessInfo p = tables.processes().get(NodeTables.processKey(holder));
        return p != null && p.handle().equals(holder);
    }
}
