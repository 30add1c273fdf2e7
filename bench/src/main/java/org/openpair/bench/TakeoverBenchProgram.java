package org.openpair.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.LockSupport;

import org.openpair.guardian.GuardianException;
import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.RestartPolicy;
import org.openpair.guardian.Takeover;

/**
 * The pair program {@code guardian bench takeover} faults: the primary creates its backup on the
 * CPU it is told, checkpoints 100 bytes, logs {@value #READY} and waits: to be stopped, for its
 * CPU to be killed or frozen, or (mode {@code abend}) for a trigger file to appear, whereupon it
 * logs {@code abend at <epoch µs>} and abends. The backup applies the checkpoints in
 * {@link ProcessContext#awaitTakeover}, and the moment that returns, it logs
 * {@code took over at <epoch µs> epoch <n> cause <cause>}: the time it runs as primary. Then it
 * waits to be stopped.
 *
 * <p>Times are wall-clock microseconds since the epoch ({@link Instant#now()}), comparable
 * across the JVMs of one machine. The driver reads them from the process logs.
 *
 * <p>Arguments: the mode ({@code wait} or {@code abend}), the backup's CPU, the trigger file
 * ({@code -} for none). Public with a public constructor, as every hosted program must be.
 * Run: {@code ./guardian bench takeover}.
 */
public final class TakeoverBenchProgram implements GuardianProgram {
    static final String READY = "ready";
    static final String ABEND_AT = "abend at ";
    static final String TOOK_OVER_AT = "took over at ";
    static final String MODE_WAIT = "wait";
    static final String MODE_ABEND = "abend";
    private static final long TRIGGER_POLL_NANOS = Duration.ofMillis(1).toNanos() / 5;

    public TakeoverBenchProgram() {
    }

    /** Wall-clock microseconds since the epoch: comparable between the JVMs of one machine. */
    static long epochMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    @Override
    public void run(ProcessContext ctx) {
        String mode = ctx.args().get(0);
        int backupCpu = Integer.parseInt(ctx.args().get(1));
        Path trigger = ctx.args().get(2).equals("-") ? null : Path.of(ctx.args().get(2));
        if (ctx.role() == PairRole.BACKUP) {
            Takeover t;
            try {
                t = ctx.awaitTakeover(bytes -> { });
            } catch (GuardianException e) {
                return; // stopped as a backup: the driver cleans up
            }
            long at = epochMicros();
            ctx.out().println(TOOK_OVER_AT + at + " epoch " + t.epoch() + " cause " + t.cause());
            waitUntilStopped(ctx);
            return;
        }
        ctx.createBackup(backupCpu, RestartPolicy.TEMPORARY);
        ctx.checkpoint(new byte[100]);
        ctx.out().println(READY);
        if (MODE_ABEND.equals(mode) && trigger != null) {
            while (!Files.exists(trigger)) {
                if (ctx.isStopRequested()) {
                    return;
                }
                LockSupport.parkNanos(TRIGGER_POLL_NANOS);
            }
            long at = epochMicros();
            ctx.out().println(ABEND_AT + at);
            ctx.abend("bench takeover: abend on request");
        }
        waitUntilStopped(ctx);
    }

    private static void waitUntilStopped(ProcessContext ctx) {
        try {
            while (!ctx.isStopRequested()) {
                Thread.sleep(60_000);
            }
        } catch (InterruptedException e) {
            // Stopped: return, which ends the process.
        }
    }
}
