package org.openpair.testing.programs;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.CRC32;

import org.openpair.guardian.GuardianException;
import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.Receive;
import org.openpair.guardian.ReceivedRequest;
import org.openpair.guardian.RestartPolicy;
import org.openpair.guardian.SpawnRequest;

/**
 * A key-value pair written the way docs/concepts.md teaches: the outer loop waits as a backup
 * ({@code awaitTakeover}), creates a backup with a permanent restart policy, then serves
 * $RECEIVE, giving each state change to its reply. Error 210 from any primary-only call (a
 * switch made this process the backup) sends it back to the top, unless it was started with
 * the argument {@code naive}: then, like a server written before switches were taught, the 210
 * escapes and the process abends. Both must lose no acknowledged write.
 *
 * <p>Requests, UTF-8: {@code PUT k v} → {@code OK k}; {@code GET k} → {@code VAL v} or
 * {@code NONE}; {@code GROW k n} stores a value of {@code n} bytes made from {@code k} (for a
 * large state without large requests) → {@code OK k}; {@code SUM} → {@code SUM keys bytes crc},
 * the CRC-32 of every key and value in key order, so a test can tell a whole state from a torn one.
 */
public final class KvPair implements GuardianProgram {
    private static final RestartPolicy POLICY = RestartPolicy.permanent(10, Duration.ofMinutes(1));

    @Override
    public void run(ProcessContext ctx) {
        boolean naive = ctx.args().contains("naive");
        while (!ctx.isStopRequested()) {
            if (ctx.role() == PairRole.BACKUP) {
                ctx.awaitTakeover(null);
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
                        answer(ctx, next.get());
                    }
                }
            } catch (GuardianException e) {
                if (naive || e.error() != 210) {
                    throw e;
                }
                ctx.out().println("210: " + e.oneLine());
                if (ctx.role() != PairRole.BACKUP) {
                    return;   // fenced, not switched: the pair moved on without this process
                }
            }
        }
    }

    private static void answer(ProcessContext ctx, ReceivedRequest r) {
        String[] w = new String(r.data(), StandardCharsets.UTF_8).trim().split(" ", 3);
        switch (w[0]) {
            case "PUT" -> r.reply(text("OK " + w[1]), Map.of(w[1], w[2]));
            case "GET" -> r.reply(text(ctx.state().get(w[1]).map(v -> "VAL " + v).orElse("NONE")));
            case "GROW" -> {
                int n = Integer.parseInt(w[2]);
                String unit = w[1] + ";";
                StringBuilder v = new StringBuilder(n + unit.length());
                while (v.length() < n) {
                    v.append(unit);
                }
                v.setLength(n);
                r.reply(text("OK " + w[1]), Map.of(w[1], v.toString()));
            }
            case "SUM" -> {
                TreeMap<String, String> all = new TreeMap<>(ctx.state().snapshot());
                CRC32 crc = new CRC32();
                long bytes = 0;
                for (var e : all.entrySet()) {
                    byte[] k = e.getKey().getBytes(StandardCharsets.UTF_8);
                    byte[] v = e.getValue().getBytes(StandardCharsets.UTF_8);
                    crc.update(k);
                    crc.update(0);
                    crc.update(v);
                    crc.update(0);
                    bytes += k.length + v.length;
                }
                r.reply(text("SUM " + all.size() + " " + bytes + " " + Long.toHexString(crc.getValue())));
            }
            default -> r.reply(text("ERR unknown request"));
        }
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
