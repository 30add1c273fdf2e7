package org.openpair.emulator.procedures;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.node.CpuRouter;
import org.openpair.emulator.node.CpuTask;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;

/**
 * {@code guardian upgrade}: a pair moved to a new class path without a moment with no primary.
 * The backup is replaced by one from the new class path, which receives the whole state; a
 * switch makes it the primary; the old primary, now the backup, is replaced the same way.
 *
 * <p>Each step leaves a whole pair behind (a primary serving, a backup that is ready or being
 * filled), and the steps to take are read from the pair as it is, not remembered: run again
 * after any step, the upgrade does what is left, and a member already on the new class path is
 * not replaced again. Whether the new version can read the old one's checkpoints is the
 * program's affair: a backup from the new class path receives the state the old primary made.
 */
public final class PairUpgrade {
    /** How long a new backup may take to hold the whole state once it is made. */
    static final Duration READY_BOUND = Duration.ofSeconds(60);

    /** One step done: a short name, how long it took, what it did. */
    public record Step(String step, long millis, String detail) {
    }

    private final NodeTables tables;
    private final CpuRouter router;

    PairUpgrade(NodeTables tables, CpuRouter router) {
        this.tables = tables;
        this.router = router;
    }

    /**
     * Upgrades {@code name} to {@code classPath} (absolute entries), telling {@code progress} of
     * each step as it is done.
     *
     * @return the steps done, in order
     * @throws GuardianException 14 no such name; 2 the process has no backup, or is no pair
     *                           member, or the new program's class has no no-argument
     *                           constructor or it threw (the new backup did not start), or an
     *                           entry is no jar nor directory; 11 an entry or the program's class
     *                           is missing; 40 a step did not end in time; 210 the pair changed
     *                           under the upgrade. The pair keeps its primary in every case; the
     *                           message says which steps were done.
     */
    List<Step> run(ProcessName name, List<String> classPath, Consumer<Step> progress) {
        if (classPath.isEmpty()) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, name + " not upgraded: the new class path "
                    + "is empty");
        }
        // The spawn's own checks (absolute entries, none blank or with ':'), before anything changes.
        SpawnRequest.of(Program.hosted("x")).classPath(classPath);
        List<Step> done = new ArrayList<>();
        Consumer<Step> record = s -> {
            done.add(s);
            progress.accept(s);
        };
        try {
            upgrade(name, List.copyOf(classPath), record);
        } catch (GuardianException e) {
            throw new GuardianException(e.guardianError(), done.isEmpty()
                    ? name + " not upgraded, nothing changed: " + e.getMessage()
                    : "upgrade of " + name + " stopped after " + summary(done) + ": " + e.getMessage()
                    + "; the pair keeps its primary, and 'guardian upgrade' again takes it on from here");
        }
        return done;
    }

    private void upgrade(ProcessName name, List<String> classPath, Consumer<Step> record) {
        String target = String.join(":", classPath);
        long t = System.nanoTime();
        NameEntry entry = tables.names().get(name.toString());
        if (entry == null) {
            throw new GuardianException(GuardianError.NO_SUCH_DEVICE, "no process is named " + name);
        }
        if (entry.backup() == null) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, name + " has no backup: an upgrade without "
                    + "downtime needs a pair (a process with a backup that can take over)");
        }
        ProcessHandle primary = entry.primary();
        ProcessHandle backup = entry.backup();
        // Checked where each member runs, before anything changes: the new backup is made on the
        // backup's CPU, the old primary's successor on the primary's.
        String primaryPath = router.call(primary.cpu(), new CpuTask.MemberClassPath(primary, classPath));
        String backupPath = router.call(backup.cpu(), new CpuTask.MemberClassPath(backup, classPath));
        boolean primaryNew = primaryPath.equals(target);
        boolean backupNew = backupPath.equals(target);
        t = step(record, "check", t, "the program loads from the new class path on CPU " + primary.cpu() + " and CPU "
                + backup.cpu() + "; primary " + primary.cpuPin() + (primaryNew ? " has it already" : " runs "
                + shown(primaryPath)) + ", backup " + backup.cpuPin() + (backupNew ? " has it already" : " runs "
                + shown(backupPath)));
        if (!primaryNew) {
            if (!backupNew) {
                ProcessHandle fresh = router.call(primary.cpu(), new CpuTask.ReplaceBackup(primary, classPath));
                t = step(record, "backup", t, "backup " + backup.cpuPin() + " stopped; " + fresh.cpuPin()
                        + " created from the new class path");
            }
            NameEntry ready = awaitReady(name, primary);
            t = step(record, "catch-up", t, "backup " + ready.backup().cpuPin() + " holds the whole state");
            router.call(primary.cpu(), new CpuTask.SwitchPair(primary));
            NameEntry switched = current(name);
            if (!ready.backup().equals(switched.primary())) {
                throw new GuardianException(GuardianError.OWNERSHIP_CHANGED, name + " changed during the switch: its "
                        + "primary is " + switched.primary().cpuPin());
            }
            t = step(record, "switch", t, switched.primary().cpuPin() + " (new version) is the primary at epoch "
                    + org.openpair.emulator.names.Epochs.format(switched.epoch()) + ", " + primary.cpuPin()
                    + " (old) its backup");
            primary = switched.primary();
            backup = switched.backup();
        }
        if (!primaryNew || !backupNew) {
            ProcessHandle fresh = router.call(primary.cpu(), new CpuTask.ReplaceBackup(primary, classPath));
            t = step(record, "replace", t, (backup == null ? "no backup" : "old member " + backup.cpuPin()
                    + " stopped") + "; " + fresh.cpuPin() + " created from the new class path");
        }
        NameEntry last = awaitReady(name, primary);
        step(record, "catch-up", t, "backup " + last.backup().cpuPin() + " holds the whole state; primary "
                + last.primary().cpuPin() + " and backup " + last.backup().cpuPin() + " run the new class path");
    }

    private static long step(Consumer<Step> record, String step, long since, String detail) {
        long now = System.nanoTime();
        record.accept(new Step(step, (now - since) / 1_000_000, detail));
        return now;
    }

    private NameEntry current(ProcessName name) {
        NameEntry e = tables.names().get(name.toString());
        if (e == null) {
            throw new GuardianException(GuardianError.NO_SUCH_DEVICE, name + " is gone");
        }
        return e;
    }

    /** Waits until {@code primary} has a backup that holds the whole state. */
    private NameEntry awaitReady(ProcessName name, ProcessHandle primary) {
        long deadline = System.nanoTime() + READY_BOUND.toNanos();
        while (true) {
            NameEntry e = current(name);
            if (!primary.equals(e.primary())) {
                throw new GuardianException(GuardianError.OWNERSHIP_CHANGED, name + " changed under the upgrade: its "
                        + "primary is " + e.primary().cpuPin() + ", not " + primary.cpuPin());
            }
            if (e.backup() != null && e.ready()) {
                return e;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new GuardianException(GuardianError.TIMED_OUT, name + ": no backup holding the whole state within "
                        + READY_BOUND.toSeconds() + " s");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new GuardianException(GuardianError.TIMED_OUT, "interrupted while waiting for the backup of "
                        + name);
            }
        }
    }

    private static String shown(String classPath) {
        return classPath.isEmpty() ? "the CPU's class path" : classPath;
    }

    private static String summary(List<Step> done) {
        StringBuilder b = new StringBuilder();
        for (Step s : done) {
            b.append(b.length() == 0 ? "" : ", ").append(s.step()).append(" (").append(s.millis()).append(" ms)");
        }
        return b.toString();
    }
}
