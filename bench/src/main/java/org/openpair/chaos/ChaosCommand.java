package org.openpair.chaos;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;

import org.openpair.chaos.ChaosReport;
import org.openpair.chaos.ChaosResult;
import org.openpair.chaos.ChaosRun;
import org.openpair.chaos.ChaosSettings;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import org.openpair.emulator.cli.ExitCodes;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.cli.OutputOptions;

/** {@code guardian chaos}: the seeded fault run with a history checker (DESIGN.md, "the safety net"). */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = {"Start a private node of CPU JVMs, run three pairs under concurrent clients that record every "
                + "request, make seeded faults one after another, then read every pair back and check the history.",
                "The pairs: $LEDG (the hosted ledger, org.openpair.examples.LedgerServer), $KV (KvServer, a key-value "
                        + "server written as docs/concepts.md teaches) and $LEDO (the ledger as a pair of Java OS "
                        + "processes). "
                        + "Each client opens its pair with sync depth 1 and records each request as invoked, then ok, "
                        + "failed (a Guardian error that means not executed: 14, 16, 22, 44, 74, or a refusal by the "
                        + "server) or unknown (40, 201, 210 and the rest); after an unknown outcome it closes that open "
                        + "and opens another. Transfer IDs and written values are unique.",
                "Faults (the plan is rounds of every kind in a shuffled order, drawn from the seed, so N faults make "
                        + "each kind N/10 times): kill-primary-cpu, kill-backup-cpu (SIGKILL of that CPU's JVM); switch "
                        + "(under traffic); switch-kill-new-primary-cpu (after 0-500 ms); freeze-primary-cpu (SIGSTOP "
                        + "until a new primary is named, past the heartbeat timeout, then SIGCONT); pause-primary-cpu "
                        + "(SIGSTOP for less than half the heartbeat timeout; with --lease-millis, for 70-95%% or 105-150%% of the "
                        + "lease); kill-primary-process (SIGKILL of the OS "
                        + "pair's primary JVM alone); grow-state-kill ($KV grown past 4 MiB, its backup's CPU killed so a "
                        + "new backup is made on the large state, then, once every pair has a ready backup again, its primary's "
                        + "CPU killed); partition-primary and "
                        + "partition-backup (that CPU's network namespace cut off the bridge until the others declare it "
                        + "down, then healed; skipped with the reason when the node runs on 127.0.0.1). Killed CPUs are "
                        + "started again and the node awaited whole before the next fault.",
                "Checks: acked_lost (an acknowledged request missing from the final state, or undone), applied_twice "
                        + "(a transfer ID twice in the ledger's log, a DUP reply, a key's version above the writes sent), "
                        + "stale_epoch (a reply from an epoch older than one any client heard before the request was "
                        + "sent), pairs_lost (a pair with no member 60 s after a fault while CPUs are up), phantom (an "
                        + "effect nobody asked for, or one whose client was told it failed), late_apply (a request "
                        + "applied after one its client sent once it had closed the first's open), total_changed (the "
                        + "ledger's total), log_holes (transfers the ledger counts but holds no record of). Unavailability: from a fault to the next acknowledged request of its pair, "
                        + "p50, p99 and max; the three slowest recoveries are named (fault number, kind, pair, ms), to find "
                        + "in the CPUs' logs.",
                "The seed is printed first; --seed S --faults N replays the plan (not the timing). Progress goes to "
                        + "stderr; the table, or with --json the machine line, one line per fault kind and a total line "
                        + "({\"bench\":\"chaos\",\"seed\":S,\"faults\":N,\"acked_lost\":0,...}), to stdout (with --json "
                        + "the slowest recoveries go to stderr)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every count is 0", "1:a violation was found (or a Guardian error)", "2:usage",
                "4:internal failure"})
final class ChaosCommand implements Callable<Integer> {
    @Option(names = "--seed", paramLabel = "S", description = "The fault plan's seed (default: a random one, printed).")
    Long seed;

    @Option(names = "--faults", paramLabel = "N", defaultValue = "20",
            description = "How many faults, 1-10000 (default: 20; each kind at least once from 10 on).")
    int faults;

    @Option(names = "--cpus", paramLabel = "N", defaultValue = "3", description = "CPU JVMs, 3-16 (default: 3).")
    int cpus;

    @Option(names = "--clients", paramLabel = "N", defaultValue = "2",
            description = "Concurrent clients per pair, 1-64 (default: 2); every second one sends its "
                    + "requests nowait (writeReadNowait) and waits on the future.")
    int clients;

    @Option(names = "--rate", paramLabel = "N", defaultValue = "" + ChaosSettings.DEFAULT_RATE,
            description = "Requests a second each client sends at most, 1-100000, or 0 for as fast as it can (default: "
                    + ChaosSettings.DEFAULT_RATE + "). The ledgers keep every transfer for the check, so an unpaced long "
                    + "run grows them without bound.")
    int rate;

    @Option(names = "--heartbeat-timeout", paramLabel = "SECONDS", defaultValue = "5",
            description = "The node's heartbeat timeout, 2-60 (default: 5, the emulator's).")
    int heartbeat;

    @Option(names = "--lease-millis", paramLabel = "MS",
            description = "The CPUs' lease: a hung CPU's pairs move this long after it stopped, and the plan's pauses "
                    + "fall just below and just above it; at least 200 and shorter than the heartbeat timeout less one "
                    + "second, or 0 for none. Default: a node's, 1000, or none when the heartbeat timeout leaves no "
                    + "room for it.")
    Long leaseMillis;

    @Option(names = "--request-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "Each request's timeout; after it the outcome is unknown (default: 30).")
    int requestTimeout;

    @Option(names = "--max-minutes", paramLabel = "M", defaultValue = "120",
            description = "Bound of the whole run: no fault starts after it (default: 120).")
    int maxMinutes;

    @Option(names = "--log-dir", paramLabel = "DIR",
            description = "Where the CPUs and processes log (default: a new temporary directory, kept).")
    Path logDir;

    @Option(names = "--loopback",
            description = "Run every CPU on 127.0.0.1 (the partition faults are then skipped). By default each CPU runs "
                    + "in a network namespace of its own when this is possible (root and iproute2), else on 127.0.0.1.")
    boolean loopback;

    @Option(names = "--plan", description = "Print the fault plan and exit.")
    boolean planOnly;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (requestTimeout < 1 || requestTimeout > 600) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--request-timeout must be 1-600: " + requestTimeout);
        }
        if (maxMinutes < 1 || maxMinutes > 24 * 60) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-minutes must be 1-1440: " + maxMinutes);
        }
        ChaosSettings settings;
        try {
            settings = new ChaosSettings(seed != null ? seed : ThreadLocalRandom.current().nextLong(1L << 48), faults,
                    cpus, clients, rate, heartbeat,
                    leaseMillis != null ? leaseMillis : NodeConfig.defaultLease(1, heartbeat).toMillis(),
                    Duration.ofSeconds(requestTimeout), Duration.ofMinutes(maxMinutes),
                    logDir, !loopback);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (planOnly) {
            out.println("seed " + settings.seed());
            ChaosRun.plan(settings).forEach(out::println);
            out.flush();
            return ExitCodes.OK;
        }
        if (settings.logDir() == null) {
            // Made only once the settings hold: a refused command line leaves nothing behind.
            settings = settings.withLogDir(Files.createTempDirectory("openpair-chaos-"));
        }
        ChaosResult result = ChaosRun.run(settings, err);
        ChaosReport report = ChaosReport.of(result);
        if (output.json()) {
            report.jsonLines().forEach(out::println);
            report.slowestRecoveries(ChaosReport.SLOWEST_SHOWN).forEach(l -> err.println("chaos: slowest recovery: " + l));
            report.violations(20).forEach(v -> err.println("violation: " + v));
            err.flush();
        } else {
            report.printTable(out);
        }
        out.flush();
        return report.clean() ? ExitCodes.OK : ExitCodes.GUARDIAN_ERROR;
    }
}
