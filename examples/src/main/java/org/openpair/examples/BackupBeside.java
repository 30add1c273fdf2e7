package org.openpair.examples;

import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.RestartPolicy;

/**
 * Makes a primary's backup on a thread of its own while the primary serves. {@code createBackup}
 * returns only once the new backup holds the whole state (for a large state, seconds), and a
 * backup being filled cannot take over yet, so what the primary answers meanwhile waits for
 * nothing; the backup is ready once it holds that too. Made before serving instead, the backup
 * would keep a pair that just took over from answering for that long.
 */
final class BackupBeside {
    private BackupBeside() {
    }

    static void make(ProcessContext ctx, int cpu, RestartPolicy policy) {
        Thread maker = new Thread(() -> {
            try {
                var backup = ctx.createBackup(cpu, policy);
                ctx.out().println("backup created on CPU " + backup.cpu());
            } catch (GuardianException e) {
                // 66: no other CPU now; the restart policy tries again when one comes up.
                ctx.out().println("no backup: " + e.oneLine());
            }
        }, "backup-maker");
        maker.setDaemon(true);
        maker.start();
    }
}
