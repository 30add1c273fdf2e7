package org.openpair.bench;

import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.ProcessContext;

/**
 * The hosted program the spawn benchmark starts and stops: it does nothing (no log line, no
 * Guardian call) and ends as soon as it is stopped, so what is measured is the emulator's own
 * cost of creating and ending a process. Public with a public constructor, as every hosted
 * program must be.
 *
 * <p>Run: {@code ./guardian bench spawn}.
 */
public final class WaitsUntilStopped implements GuardianProgram {

    public WaitsUntilStopped() {
    }

    @Override
    public void run(ProcessContext context) {
        try {
            while (!context.isStopRequested()) {
                Thread.sleep(60_000);
            }
        } catch (InterruptedException e) {
            // Stopped: return, which ends the process.
        }
    }
}
