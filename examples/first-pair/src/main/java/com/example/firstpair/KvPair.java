package com.example.firstpair;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import org.openpair.guardian.GuardianException;
import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.Receive;
import org.openpair.guardian.ReceivedRequest;
import org.openpair.guardian.RestartPolicy;
import org.openpair.guardian.SpawnRequest;

/**
 * A key-value store as a process pair. The primary creates its backup on another CPU and serves
 * {@code PUT key value} and {@code GET key} from $RECEIVE; a PUT's change travels to the backup
 * with its reply as one checkpoint, so when the primary dies the backup takes over holding every
 * value a client was told was stored.
 */
public final class KvPair implements GuardianProgram {

    @Override
    public void run(ProcessContext ctx) {
        if (ctx.role() == PairRole.BACKUP) {
            ctx.awaitTakeover(null);
            ctx.out().println("took over with " + ctx.state().snapshot().size() + " keys");
        }
        try {
            ctx.createBackup(SpawnRequest.ANY_CPU, RestartPolicy.TEMPORARY);
        } catch (GuardianException e) {
            ctx.out().println("running without a backup: " + e.getMessage());
        }
        Receive receive = ctx.openReceive(16, false);
        while (!ctx.isStopRequested()) {
            Optional<ReceivedRequest> next = receive.readUpdate(Duration.ofMillis(200));
            next.ifPresent(r -> answer(ctx, r));
        }
    }

    private static void answer(ProcessContext ctx, ReceivedRequest r) {
        String[] w = new String(r.data(), StandardCharsets.UTF_8).trim().split(" ");
        if (w.length == 3 && w[0].equals("PUT")) {
            r.reply(bytes("OK " + w[1]), Map.of(w[1], w[2]));
        } else if (w.length == 2 && w[0].equals("GET")) {
            r.reply(bytes("VAL " + w[1] + " " + ctx.state().get(w[1]).orElse("-")));
        } else {
            r.reply(bytes("ERR expected: PUT key value | GET key"));
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
