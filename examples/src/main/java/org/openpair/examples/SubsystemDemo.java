package org.openpair.examples;

import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.Signal;
import org.openpair.guardian.SignalAction;

/**
 * An application that catches SIGUSR1 and SIGTERM and calls into {@link SignalSubsystem} in
 * turns: signals sent while the subsystem works wait until its call returns. Each turn is a
 * call of {@code workMillis} (default 2000) then a pause of the same length outside it.
 *
 * <p>Run {@code guardian run --name sub --cpu 0 --hosted org.openpair.examples.SubsystemDemo},
 * then {@code guardian kill sub usr1} while it logs {@code subsystem working}: the log says
 * {@code application: SIGUSR1} only after {@code subsystem done}. SIGTERM ends it cleanly.
 */
public final class SubsystemDemo implements GuardianProgram {
    private volatile boolean terminate;

    @Override
    public void run(ProcessContext ctx) throws InterruptedException {
        long workMillis = ctx.args().isEmpty() ? 2000 : Long.parseLong(ctx.args().get(0));
        ctx.signals().sigaction(Signal.SIGUSR1, SignalAction.handler(s -> ctx.out().println("application: " + s)));
        ctx.signals().sigaction(Signal.SIGTERM, SignalAction.handler(s -> {
            ctx.out().println("application: " + s + ", ending");
            terminate = true;
        }));
        ctx.out().println("ready");
        while (!terminate && !ctx.isStopRequested()) {
            long turn = SignalSubsystem.call(ctx, () -> {
                ctx.out().println("subsystem working");
                try {
                    Thread.sleep(workMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                ctx.out().println("subsystem done");
                return System.nanoTime();
            });
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
            Thread.sleep(workMillis);
        }
    }
}
