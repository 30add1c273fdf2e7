package org.openpair.testing.programs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.openpair.guardian.CheckpointedMap;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.Receive;
import org.openpair.guardian.ReceivedRequest;
import org.openpair.guardian.RestartPolicy;
import org.openpair.guardian.SpawnRequest;

/**
 * The ledger of {@code org.openpair.examples.LedgerServer} (the same requests and state, so the
 * same checks apply), in a version it reads from the resource {@value #VERSION_RESOURCE} of its
 * own class path: each {@code OK} reply ends with it, and {@code VERSION} asks for it. A test
 * copies this class into two directories with different versions, to upgrade a pair from one to
 * the other; a version {@code broken} makes the constructor throw, as a new version that cannot
 * start would.
 *
 * <p>Arguments: the number of accounts (10) and their opening balance (1000). Requests:
 * {@code XFER id from to amount} → {@code OK id fromBalance toBalance server version} |
 * {@code DUP id} | {@code ERR reason}; {@code TOTAL} → {@code TOTAL sum accounts transfers};
 * {@code LOG first max} → {@code LOG id ...}; {@code VERSION} → {@code VERSION version server}.
 */
public final class VersionedLedger implements GuardianProgram {
    /** Where a copy of this class finds its version. */
    public static final String VERSION_RESOURCE = "openpair-test-version.txt";
    private static final RestartPolicy POLICY = RestartPolicy.permanent(10, Duration.ofMinutes(1));
    private static final int LOG_PAGE_MAX = 1000;

    private final String version;

    public VersionedLedger() {
        version = readVersion();
        if (version.equals("broken")) {
            throw new IllegalStateException("version 'broken' does not start");
        }
    }

    private static String readVersion() {
        try (InputStream in = VersionedLedger.class.getClassLoader().getResourceAsStream(VERSION_RESOURCE)) {
            return in == null ? "unversioned" : new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return "unreadable";
        }
    }

    @Override
    public void run(ProcessContext ctx) {
        int accounts = ctx.args().isEmpty() ? 10 : Integer.parseInt(ctx.args().get(0));
        long opening = ctx.args().size() > 1 ? Long.parseLong(ctx.args().get(1)) : 1000;
        CheckpointedMap state = ctx.state();
        ctx.out().println("version " + version + " starts as " + ctx.role());
        while (!ctx.isStopRequested()) {
            if (ctx.role() == PairRole.BACKUP) {
                ctx.awaitTakeover(null);
                ctx.out().println("version " + version + " took over with " + state.getLong("n").orElse(0L)
                        + " transfers");
            } else if (state.get("accounts").isEmpty()) {
                for (int a = 1; a <= accounts; a++) {
                    state.putLong("a." + a, opening);
                }
                state.putLong("accounts", accounts);
                state.putLong("n", 0);
            }
            try {
                ctx.createBackup(SpawnRequest.ANY_CPU, POLICY);
            } catch (GuardianException e) {
                ctx.out().println("no backup created: " + e.oneLine());
            }
            Receive receive = ctx.openReceive(16, false);
            try {
                while (!ctx.isStopRequested()) {
                    Optional<ReceivedRequest> next = receive.readUpdate(Duration.ofMillis(200));
                    if (next.isPresent()) {
                        answer(ctx, state, next.get());
                    }
                }
            } catch (GuardianException e) {
                if (e.error() != 210) {
                    throw e;
                }
                if (ctx.role() != PairRole.BACKUP) {
                    return;   // fenced, not switched
                }
            }
        }
    }

    private void answer(ProcessContext ctx, CheckpointedMap state, ReceivedRequest r) {
        String[] w = new String(r.data(), StandardCharsets.UTF_8).trim().split("\\s+");
        switch (w[0]) {
            case "XFER" -> transfer(ctx, state, r, w);
            case "TOTAL" -> {
                long sum = 0;
                long accounts = state.getLong("accounts").orElse(0L);
                for (long a = 1; a <= accounts; a++) {
                    sum += state.getLong("a." + a).orElse(0L);
                }
                r.reply(text("TOTAL " + sum + " " + accounts + " " + state.getLong("n").orElse(0L)));
            }
            case "LOG" -> {
                long n = state.getLong("n").orElse(0L);
                long first = Math.max(1, Long.parseLong(w[1]));
                long last = Math.min(n, first + Math.min(LOG_PAGE_MAX, Long.parseLong(w[2])) - 1);
                StringBuilder out = new StringBuilder("LOG");
                for (long i = first; i <= last; i++) {
                    out.append(' ').append(state.get("l." + i).orElse("?"));
                }
                r.reply(text(out.toString()));
            }
            case "VERSION" -> r.reply(text("VERSION " + version + " " + ctx.self()));
            default -> r.reply(text("ERR unknown request"));
        }
    }

    private void transfer(ProcessContext ctx, CheckpointedMap state, ReceivedRequest r, String[] w) {
        if (w.length != 5) {
            r.reply(text("ERR expected: XFER id from to amount"));
            return;
        }
        String id = w[1];
        if (state.get("t." + id).isPresent()) {
            r.reply(text("DUP " + id));
            return;
        }
        Optional<Long> from = state.getLong("a." + w[2]);
        Optional<Long> to = state.getLong("a." + w[3]);
        long amount = Long.parseLong(w[4]);
        if (from.isEmpty() || to.isEmpty() || w[2].equals(w[3]) || amount <= 0) {
            r.reply(text("ERR bad transfer"));
            return;
        }
        if (from.get() < amount) {
            r.reply(text("ERR insufficient funds in " + w[2]));
            return;
        }
        long n = state.getLong("n").orElse(0L) + 1;
        Map<String, String> changes = new HashMap<>();
        changes.put("a." + w[2], Long.toString(from.get() - amount));
        changes.put("a." + w[3], Long.toString(to.get() + amount));
        changes.put("t." + id, w[2] + ">" + w[3] + ":" + amount);
        changes.put("l." + n, id);
        changes.put("n", Long.toString(n));
        r.reply(text("OK " + id + " " + (from.get() - amount) + " " + (to.get() + amount) + " " + ctx.self() + " "
                + version), changes);
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
