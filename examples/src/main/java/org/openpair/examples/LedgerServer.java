package org.openpair.examples;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import org.openpair.guardian.CheckpointedMap;
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
 * A bank ledger as a process pair: accounts and transfers with unique IDs, served on
 * $RECEIVE. Each transfer's changes (both balances, the transfer's record) go to the backup in
 * the same checkpoint as its reply, so a client that got "OK" knows the transfer survives any
 * takeover, and a request resent after a takeover is answered, not applied twice.
 *
 * <p>Arguments: the backup's CPU ({@code any} by default), the number of accounts (10), their
 * opening balance (1000), and {@code faults} to accept the fault-injection request
 * {@code ABEND}, with which a chaos test makes the primary abend at a moment it chooses.
 * Requests, in UTF-8 text:
 * <pre>
 *   XFER id from to amount   → OK id fromBalance toBalance server epoch | DUP id | ERR reason
 *                              (server: the replying process's descriptor, \NODE.$:cpu:pin:seq;
 *                              epoch: the pair's epoch when that process became the primary)
 *   BAL account              → BAL account balance
 *   TOTAL                    → TOTAL sum accounts transfers
 *   LOG first max            → LOG id id ...   (IDs of applied transfers, in order, from index first ≥ 1)
 * </pre>
 * Anything else is answered {@code ERR ...} and changes nothing.
 */
public final class LedgerServer implements GuardianProgram {
    private static final RestartPolicy POLICY = RestartPolicy.permanent(5, Duration.ofMinutes(1));
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final int LOG_PAGE_MAX = 1000;

    @Override
    public void run(ProcessContext ctx) {
        int backupCpu = ctx.args().isEmpty() || ctx.args().get(0).equals("any")
                ? SpawnRequest.ANY_CPU : Integer.parseInt(ctx.args().get(0));
        int accounts = ctx.args().size() > 1 ? Integer.parseInt(ctx.args().get(1)) : 10;
        long opening = ctx.args().size() > 2 ? Long.parseLong(ctx.args().get(2)) : 1000;
        boolean faults = ctx.args().size() > 3 && ctx.args().get(3).equals("faults");
        CheckpointedMap state = ctx.state();
        while (!ctx.isStopRequested()) {
            long epoch;
            if (ctx.role() == PairRole.BACKUP) {
                Takeover t = ctx.awaitTakeover(null);
                epoch = t.epoch();
                ctx.out().println("took over with " + transfers(state) + " transfers, total " + total(state)
                        + " (" + t.cause() + ", epoch " + t.epoch() + ")");
                backupCpu = SpawnRequest.ANY_CPU;
            } else {
                // Never promoted: the name table holds the epoch this primary started at.
                epoch = ctx.name().map(n -> ctx.guardian().processGetPairInfo(n).epoch()).orElse(0L);
                if (state.get("accounts").isEmpty()) {
                    for (int a = 1; a <= accounts; a++) {
                        state.putLong("a." + a, opening);
                    }
                    state.putLong("accounts", accounts);
                    state.putLong("n", 0);
                }
            }
            createBackupBeside(ctx, backupCpu);
            serve(ctx, state, faults, epoch);
            if (ctx.role() != PairRole.BACKUP) {
                // 210 without a switch: fenced, the pair moved on without this process; it is being stopped.
                return;
            }
        }
    }

    private static void serve(ProcessContext ctx, CheckpointedMap state, boolean faults, long epoch) {
        Receive receive = ctx.openReceive(16, false);
        try {
            while (!ctx.isStopRequested() && ctx.role() == PairRole.PRIMARY) {
                Optional<ReceivedRequest> next = receive.readUpdate(Duration.ofMillis(200));
                if (next.isPresent() && faults && new String(next.get().data(), StandardCharsets.UTF_8).equals("ABEND")) {
                    ctx.abend("ABEND requested (fault injection)");
                }
                next.ifPresent(r -> answer(ctx, state, r, epoch));
            }
        } catch (GuardianException e) {
            // 210 from any primary-only call: a switch made this process the backup (at a read,
            // its safe point), or it was fenced. Either way it may not serve; the caller decides.
            if (e.error() != 210) {
                throw e;
            }
            ctx.out().println("not the primary any more: " + e.oneLine());
        }
    }

    private static void answer(ProcessContext ctx, CheckpointedMap state, ReceivedRequest r, long epoch) {
        String[] words = new String(r.data(), StandardCharsets.UTF_8).trim().split("\\s+");
        try {
            switch (words[0]) {
                case "XFER" -> transfer(ctx, state, r, words, epoch);
                case "BAL" -> {
                    expect(words, 2, "BAL account");
                    r.reply(text("BAL " + words[1] + " " + balance(state, words[1])));
                }
                case "TOTAL" -> r.reply(text("TOTAL " + total(state) + " " + state.getLong("accounts").orElse(0L) + " "
                        + transfers(state)));
                case "LOG" -> {
                    expect(words, 3, "LOG first max");
                    long first = Math.max(1, Long.parseLong(words[1]));
                    long last = Math.min(transfers(state), first + Math.min(LOG_PAGE_MAX, Long.parseLong(words[2])) - 1);
                    StringBuilder out = new StringBuilder("LOG");
                    for (long i = first; i <= last; i++) {
                        out.append(' ').append(state.get("l." + i).orElse("?"));
                    }
                    r.reply(text(out.toString()));
                }
                default -> r.reply(text("ERR unknown request: " + printable(words[0])));
            }
        } catch (IllegalArgumentException e) {
            r.reply(text("ERR " + e.getMessage()));
        }
    }

    private static void transfer(ProcessContext ctx, CheckpointedMap state, ReceivedRequest r, String[] w, long epoch) {
        expect(w, 5, "XFER id from to amount");
        String id = w[1];
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("bad transfer ID: " + printable(id));
        }
        if (state.get("t." + id).isPresent()) {
            r.reply(text("DUP " + id));
            return;
        }
        long from = account(state, w[2]);
        long to = account(state, w[3]);
        long amount = Long.parseLong(w[4]);
        if (amount <= 0) {
            throw new IllegalArgumentException("amount must be positive: " + amount);
        }
        if (w[2].equals(w[3])) {
            throw new IllegalArgumentException("a transfer needs two different accounts");
        }
        if (from < amount) {
            r.reply(text("ERR insufficient funds in " + w[2] + ": " + from));
            return;
        }
        long n = transfers(state) + 1;
        Map<String, String> changes = new HashMap<>();
        changes.put("a." + w[2], Long.toString(from - amount));
        changes.put("a." + w[3], Long.toString(to + amount));
        changes.put("t." + id, w[2] + ">" + w[3] + ":" + amount);
        changes.put("l." + n, id);
        changes.put("n", Long.toString(n));
        // The changes and the reply reach the backup as one checkpoint; the reply leaves after.
        r.reply(text("OK " + id + " " + (from - amount) + " " + (to + amount) + " " + ctx.self() + " " + epoch), changes);
    }

    private static void expect(String[] words, int n, String form) {
        if (words.length != n) {
            throw new IllegalArgumentException("expected: " + form);
        }
    }

    private static long account(CheckpointedMap state, String account) {
        return state.getLong("a." + account).orElseThrow(() -> new IllegalArgumentException("no account "
                + printable(account)));
    }

    private static long balance(CheckpointedMap state, String account) {
        return account(state, account);
    }

    private static long transfers(CheckpointedMap state) {
        return state.getLong("n").orElse(0L);
    }

    private static long total(CheckpointedMap state) {
        long sum = 0;
        long accounts = state.getLong("accounts").orElse(0L);
        for (long a = 1; a <= accounts; a++) {
            sum += state.getLong("a." + a).orElse(0L);
        }
        return sum;
    }

    private static String printable(String s) {
        String cut = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
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
