package org.openpair.chaos;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessFile;

/**
 * Reads each pair's state back once the clients have stopped, through an ordinary open as any
 * client would: the ledger's {@code TOTAL} and its whole {@code LOG}, the key-value store's
 * {@code GET} of every key a client wrote.
 */
final class FinalReader {
    private static final int LOG_PAGE = 1000;

    private FinalReader() {
    }

    static FinalState read(Guardian g, ChaosPair pair, Set<String> keys, Duration timeout) {
        try (ProcessFile f = g.fileOpen(pair.name(), 1)) {
            if (pair.kind() == PairKind.LEDGER) {
                String[] t = ask(f, "TOTAL", timeout).split(" ");
                long total = Long.parseLong(t[1]);
                long n = Long.parseLong(t[3]);
                List<String> log = new ArrayList<>();
                for (long first = 1; first <= n; first += LOG_PAGE) {
                    String[] page = ask(f, "LOG " + first + " " + LOG_PAGE, timeout).split(" ");
                    log.addAll(List.of(page).subList(1, page.length));
                }
                return FinalState.ledger(pair.name().toString(), log, total, pair.expectedTotal());
            }
            Map<String, String> values = new HashMap<>();
            Map<String, Long> versions = new HashMap<>();
            for (String key : keys) {
                String[] v = ask(f, "GET " + key, timeout).split(" ");
                versions.put(key, Long.parseLong(v[2]));
                values.put(key, Requests.identity(v[3]));
            }
            return FinalState.kv(pair.name().toString(), values, versions);
        } catch (GuardianException | NumberFormatException | ArrayIndexOutOfBoundsException e) {
            return FinalState.unreadable(pair.name().toString(), pair.kind(), e.toString());
        }
    }

    private static String ask(ProcessFile f, String request, Duration timeout) {
        return new String(f.writeRead(request.getBytes(StandardCharsets.UTF_8), timeout), StandardCharsets.UTF_8);
    }
}
