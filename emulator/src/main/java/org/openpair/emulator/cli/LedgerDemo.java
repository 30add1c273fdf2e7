package org.openpair.emulator.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.openpair.guardian.Guardian;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;

/**
 * The demo's message-system part: the ledger pair with its primary on the CPU that will be
 * killed, and a ledger client on the CPU that survives, sending transfers through the kill.
 * What it shows comes from the client's log: how many transfers were acknowledged, how many
 * failed (none should: requests in flight are resent to the new primary), and the total.
 */
final class LedgerDemo {
    static final ProcessName LEDGER = ProcessName.of("$LEDG");
    private static final String SERVER = "org.openpair.examples.LedgerServer";
    private static final String CLIENT = "org.openpair.examples.LedgerClient";
    private static final Pattern OK = Pattern.compile("^transfer (\\d+) ok");
    private static final Pattern DONE = Pattern.compile(
            "^(\\d+) transfers applied, (\\d+) refused.*, (\\d+) executed twice; the ledger applied (\\d+); total (\\d+) "
                    + "(conserved|NOT conserved.*)");
    static final int TRANSFERS = 2000;

    private final Guardian g;
    private ProcessHandle client;
    private Path clientLog;

    LedgerDemo(Guardian g) {
        this.g = g;
    }

    /** The ledger's primary on {@code primaryCpu}, its backup on {@code clientCpu}, and the client there. */
    void start(int primaryCpu, int clientCpu) {
        g.processSpawn(SpawnRequest.of(Program.hosted(SERVER)).name(LEDGER.toString()).cpu(primaryCpu)
                .args(String.valueOf(clientCpu), "10", "1000").build());
        client = g.processSpawn(SpawnRequest.of(Program.hosted(CLIENT)).cpu(clientCpu)
                .args(LEDGER.toString(), String.valueOf(TRANSFERS), "2").build());
        clientLog = Path.of(g.process(client).orElseThrow().logFile());
    }

    /** Transfers the client has had acknowledged so far (in hundreds, as it logs them). */
    long acknowledged() {
        return last(OK, 1);
    }

    boolean finished() {
        return g.process(client).isEmpty() || last(DONE, 1) >= 0;
    }

    /** Prints the outcome; true if every transfer was answered and the total was conserved. */
    boolean report(PrintWriter out) {
        List<String> lines = lines();
        long failed = lines.stream().filter(l -> l.startsWith("failed:")).count();
        lines.stream().filter(l -> l.startsWith("failed:")).limit(3).forEach(l -> out.println("  client: " + l));
        String done = lines.stream().filter(l -> DONE.matcher(l).find()).findFirst().orElse("(the client did not finish)");
        out.println("client on CPU " + client.cpu() + ": " + done);
        out.println("requests that failed: " + failed + " (a takeover in the middle is invisible to the client)");
        var pair = g.processGetPairInfo(LEDGER);
        out.println("ledger now: primary " + (pair.primary() == null ? "-" : pair.primary().cpuPin()) + ", epoch "
                + org.openpair.emulator.names.Epochs.format(pair.epoch()));
        // Exactly once: every transfer answered, none run twice, and the ledger applied just the acknowledged ones.
        return failed == 0 && done.endsWith(" conserved") && last(DONE, 1) + last(DONE, 2) == TRANSFERS
                && last(DONE, 3) == 0 && last(DONE, 4) == last(DONE, 1);
    }

    private long last(Pattern p, int group) {
        long found = -1;
        for (String line : lines()) {
            Matcher m = p.matcher(line);
            if (m.find()) {
                found = Long.parseLong(m.group(group));
            }
        }
        return found;
    }

    private List<String> lines() {
        try {
            return Files.readAllLines(clientLog);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
