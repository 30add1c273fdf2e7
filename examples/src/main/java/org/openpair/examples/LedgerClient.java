package org.openpair.examples;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;

import org.openpair.guardian.GuardianException;
import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessName;

/**
 * A client of {@link LedgerServer}: opens the ledger with sync depth 1 and sends transfers
 * with unique IDs between random accounts, then checks that the ledger's total is what it was.
 * A takeover of the ledger in the middle is invisible to it: requests in flight are resent by
 * the message system and answered exactly once.
 *
 * <p>Arguments: the ledger's name ({@code $LEDG}), the number of transfers (1000), the pause
 * between them in milliseconds (5). Log lines: {@code transfer N ok} every 100 transfers,
 * {@code failed: ...} for each error, {@code executed twice: ...} if the ledger ever answers DUP
 * (each ID is sent once, so that would be a request run twice), and at the end {@code N transfers
 * applied, R refused by the ledger (insufficient funds), D executed twice; the ledger applied A;
 * total T conserved} (or {@code NOT conserved (expected E)}). With no other client, A equals N.
 */
public final class LedgerClient implements GuardianProgram {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Override
    public void run(ProcessContext ctx) throws InterruptedException {
        ProcessName ledger = ProcessName.of(ctx.args().isEmpty() ? "$LEDG" : ctx.args().get(0));
        int count = ctx.args().size() > 1 ? Integer.parseInt(ctx.args().get(1)) : 1000;
        long pauseMillis = ctx.args().size() > 2 ? Long.parseLong(ctx.args().get(2)) : 5;
        Random random = new Random();
        try (ProcessFile file = ctx.guardian().fileOpen(ledger, 1)) {
            String[] total = ask(file, "TOTAL").split(" ");
            long expected = Long.parseLong(total[1]);
            int accounts = Integer.parseInt(total[2]);
            ctx.out().println("ledger " + ledger + " holds " + expected + " in " + accounts + " accounts");
            int ok = 0;
            int refused = 0;
            int duplicates = 0;
            for (int i = 1; i <= count && !ctx.isStopRequested(); i++) {
                int from = 1 + random.nextInt(accounts);
                int to = 1 + (from + random.nextInt(accounts - 1)) % accounts;
                String id = ctx.self().cpu() + "." + ctx.self().pin() + "." + ctx.self().verifier() + "." + i;
                try {
                    String reply = ask(file, "XFER " + id + " " + from + " " + to + " " + (1 + random.nextInt(50)));
                    if (reply.startsWith("OK")) {
                        ok++;
                        if (ok % 100 == 0) {
                            ctx.out().println("transfer " + ok + " ok (" + reply + ")");
                        }
                    } else if (reply.startsWith("DUP")) {
                        // This client sends each ID once: a DUP means a request was executed twice.
                        duplicates++;
                        ctx.out().println("executed twice: " + reply);
                    } else {
                        refused++;
                    }
                } catch (GuardianException e) {
                    ctx.out().println("failed: " + e.oneLine());
                }
                Thread.sleep(pauseMillis);
            }
            String[] after = ask(file, "TOTAL").split(" ");
            long now = Long.parseLong(after[1]);
            long applied = Long.parseLong(after[3]) - Long.parseLong(total[3]);
            ctx.out().println(ok + " transfers applied, " + refused + " refused by the ledger (insufficient funds), "
                    + duplicates + " executed twice; the ledger applied " + applied + "; total " + now
                    + (now == expected ? " conserved" : " NOT conserved (expected " + expected + ")"));
        }
    }

    private static String ask(ProcessFile file, String request) {
        return new String(file.writeRead(request.getBytes(StandardCharsets.UTF_8), TIMEOUT), StandardCharsets.UTF_8);
    }
}
