package org.openpair.examples;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import org.openpair.guardian.GuardianException;
import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.Receive;
import org.openpair.guardian.ReceivedRequest;
import org.openpair.guardian.RestartPolicy;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.Takeover;

/**
 * A key-value store as a process pair, written exactly as "Writing a server" in docs/concepts.md
 * teaches and nothing cleverer: the outer loop waits for a takeover while this member is the
 * backup, creates a backup, opens $RECEIVE and serves; every PUT gives its state change to its
 * reply ({@code reply(bytes, Map.of(...))}), so the change and the saved reply reach the backup
 * as one checkpoint before the reply leaves. A 210 from READUPDATE or from a reply means this
 * member is no longer the primary (a switch made it the backup): back to the top.
 *
 * <p>Each key keeps its value and a version (how many PUTs were applied to it), so a client
 * that alone writes a key can tell from the versions whether a write was lost or applied twice.
 * Replies carry the pair's epoch as this member learned it on becoming primary, so a client can
 * tell a reply from an older primary. Requests (UTF-8 text):
 * <pre>
 *   PUT key value   → OK key version previousValue epoch   ({@code -} for no previous value)
 *   GET key         → VAL key version value epoch          (version 0 and {@code -} if absent)
 * </pre>
 * Keys are 1-64 of {@code [A-Za-z0-9._:-]}; a value is any text without spaces. Anything else
 * is answered {@code ERR ...} and changes nothing. Arguments: none.
 */
public final class KvServer implements GuardianProgram {
    private static final RestartPolicy POLICY = RestartPolicy.permanent(5, Duration.ofMinutes(1));
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    @Override
    public void run(ProcessContext ctx) {
        while (!ctx.isStopRequested()) {
            long epoch;
            if (ctx.role() == PairRole.BACKUP) {
                Takeover t = ctx.awaitTakeover(null);
                epoch = t.epoch();
                ctx.out().println("took over (" + t.cause() + ", epoch " + epoch + ")");
            } else {
                // The first primary was never promoted: the name table holds the epoch it started at.
                epoch = ctx.guardian().processGetPairInfo(ctx.name().orElseThrow()).epoch();
            }
            createBackupBeside(ctx, SpawnRequest.ANY_CPU);
            Receive receive = ctx.openReceive(16, false);
            try {
                while (!ctx.isStopRequested()) {
                    Optional<ReceivedRequest> next = receive.readUpdate(Duration.ofMillis(200));
                    if (next.isPresent()) {
                        answer(ctx, next.get(), epoch);
                    }
                }
            } catch (GuardianException e) {
                if (e.error() != 210) {
                    throw e;
                }
                ctx.out().println("no longer the primary: " + e.oneLine());
            }
        }
    }

    private static void answer(ProcessContext ctx, ReceivedRequest r, long epoch) {
        String[] w = new String(r.data(), StandardCharsets.UTF_8).trim().split(" ");
        if (w.length == 3 && w[0].equals("PUT") && KEY.matcher(w[1]).matches() && !w[2].isEmpty()) {
            long version = ctx.state().getLong("v." + w[1]).orElse(0L) + 1;
            String previous = ctx.state().get("k." + w[1]).orElse("-");
            r.reply(text("OK " + w[1] + " " + version + " " + previous + " " + epoch),
                    Map.of("k." + w[1], w[2], "v." + w[1], Long.toString(version)));
        } else if (w.length == 2 && w[0].equals("GET") && KEY.matcher(w[1]).matches()) {
            r.reply(text("VAL " + w[1] + " " + ctx.state().getLong("v." + w[1]).orElse(0L) + " "
                    + ctx.state().get("k." + w[1]).orElse("-") + " " + epoch));
        } else {
            r.reply(text("ERR expected: PUT key value | GET key"));
        }
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Makes the backup on a thread of its own while this primary serves. {@code createBackup}
     * returns only once the new backup holds the whole state (for a large state, seconds), and
     * a backup being filled cannot take over yet, so what is answered meanwhile waits for
     * nothing; the backup is ready once it holds that too. Made before serving instead, the
     * backup would keep a pair that just took over from answering for that long. (Kept in this
     * class: an example is one class, which {@code guardian upgrade --class-path} can ship alone.)
     */
    private static void createBackupBeside(ProcessContext ctx, int cpu) {
        Thread maker = new Thread(() -> {
            try {
                var backup = ctx.createBackup(cpu, POLICY);
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
