package org.openpair.emulator.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;

import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.emulator.launch.CpuJvm;
import org.openpair.emulator.config.LoopbackPorts;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.Termination;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code guardian demo}: a node of two CPUs on a private name and ports, CPU 0 in this JVM
 * and CPU 1 in a JVM of its own; named processes on CPU 1 and a counter pair whose primary
 * runs there; then CPU 1's JVM is killed with SIGKILL and the demo shows what the node lost,
 * how fast it knew, and the counter pair's backup carrying on from the last acknowledged
 * checkpoint, and a ledger client on CPU 0 whose transfers went on through the kill without
 * one failing or being applied twice.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, subcommands = DemoCountersCommand.class,
        description = {"Start a 2-CPU node, run named processes, a counter pair and a ledger pair on CPU 1 with a "
                + "ledger client on CPU 0, kill -9 CPU 1, show what was lost, the takeovers, and the ledger's "
                + "total conserved.",
                "Uses its own node name and free loopback ports; leaves nothing running.",
                "'guardian demo counters' runs the shared-segment demo instead: two counters with a constant sum, "
                        + "a process killed -9 mid-update, the update rolled back."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the demo ran and the node behaved as expected", "1:the node did not behave as expected",
                "4:internal failure"})
final class DemoCommand implements Callable<Integer> {
    private static final String TICKER = "org.openpair.examples.Ticker";
    private static final String COUNTER = "org.openpair.examples.CounterServer";
    private static final java.util.regex.Pattern HELD = java.util.regex.Pattern.compile("counter (\\d+) held by backup");
    private static final java.util.regex.Pattern TOOK_OVER = java.util.regex.Pattern.compile("took over at counter (\\d+)");
    private static final Duration BOUND = Duration.ofSeconds(60);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        Path work = Files.createTempDirectory("openpair-demo");
        int basePort = LoopbackPorts.block(2);
        NodeConfig config = NodeConfig.builder()
                .nodeName("DEMO" + ThreadLocalRandom.current().nextInt(100))
                .basePort(basePort).cpus(2).logDir(work.resolve("logs"))
                // A key of its own, as a real node has: CPU 1's JVM proves it on every link (a 0600 file in the logs).
                .nodeKey(org.openpair.emulator.security.NodeKey.random()).build();
        String node = "\\" + config.nodeName();

        step(out, "1. Start node " + node + ": CPU 0 in this JVM, CPU 1 in its own JVM (loopback ports "
                + basePort + "-" + (basePort + 1) + "; node key " + config.nodeKey().orElseThrow().fingerprint()
                + ", proved on every link)");
        CpuJvm cpu1 = null;
        try (EmbeddedNode embedded = EmbeddedNode.start(config, List.of(0))) {
            cpu1 = launchCpu(config, 1, work.resolve("cpu1.out"));
            Guardian g = embedded.guardian();
            final CpuJvm child = cpu1;
            await("CPU 1 to join", () -> !child.isAlive() || g.cpus().size() == 2);
            if (!cpu1.isAlive()) {
                throw new GuardianException(GuardianError.DEVICE_DOWN, "CPU 1 did not start; see " + work.resolve("cpu1.out"));
            }
            Views.cpuTable(out, g.cpus());

            step(out, "2. Spawn named processes on CPU 1: $TICK (hosted Java), $NAP (OS 'sleep'), and the counter pair "
                    + "$CTR (primary on CPU 1, backup on CPU 0); $CLOCK on CPU 0");
            ProcessHandle tick = g.processSpawn(SpawnRequest.of(Program.hosted(TICKER)).name("$TICK").cpu(1)
                    .args("500").build());
            ProcessHandle nap = g.processSpawn(SpawnRequest.of(Program.executable("sleep")).name("$NAP").cpu(1)
                    .args("600").build());
            ProcessHandle clock = g.processSpawn(SpawnRequest.of(Program.hosted(TICKER)).name("$CLOCK").cpu(0)
                    .args("1000").build());
            long napPid = g.process(nap).map(ProcessInfo::pid).orElse(0L);
            ProcessHandle ctr = g.processSpawn(SpawnRequest.of(Program.hosted(COUNTER)).name("$CTR").cpu(1)
                    .args("0", "50").build());
            Path ctrLog = Path.of(g.process(ctr).orElseThrow().logFile());
            LedgerDemo ledger = new LedgerDemo(g);
            ledger.start(1, 0);
            await("the counter pair to form and count", () -> g.processGetPairInfo(ProcessName.of("$CTR")).backup() != null
                    && lastMatch(ctrLog, HELD) >= 20);
            await("the ledger client to get transfers through", () -> ledger.acknowledged() >= 300);
            Views.statusTable(out, g.processes(), Views.pairsOf(g, g.processes()));
            out.println();
            out.println("PPD:");
            Views.ppdTable(out, new ArrayList<>(Views.pairsOf(g, g.processes()).values()));

            step(out, "3. kill -9 the JVM of CPU 1 (pid " + cpu1.pid() + ")");
            out.flush();
            long lastHeld = lastMatch(ctrLog, HELD);
            long killedAt = System.nanoTime();
            if (!cpu1.kill9(BOUND)) {
                throw new GuardianException(GuardianError.TIMED_OUT, "the JVM of CPU 1 (pid " + cpu1.pid()
                        + ") did not exit within " + BOUND.toSeconds() + " s of SIGKILL");
            }
            await("the node to retire CPU 1's processes", () -> g.lookup(ProcessName.of("$TICK")).isEmpty()
                    && g.lookup(ProcessName.of("$NAP")).isEmpty());
            long tookMs = (System.nanoTime() - killedAt) / 1_000_000;
            out.printf("CPU 0 retired CPU 1's processes %d ms after the kill (learned from cluster membership)%n", tookMs);

            step(out, "4. What was lost");
            List<Termination> lost = new ArrayList<>();
            for (ProcessHandle h : List.of(tick, nap)) {
                g.termination(h).ifPresent(lost::add);
            }
            Views.terminationTable(out, lost);
            await("the OS process to die with its CPU", () -> napPid == 0 || !runs(napPid));
            boolean napGone = napPid == 0 || !runs(napPid);
            out.println("OS process 'sleep' (pid " + napPid + ") "
                    + (napGone ? "died with its CPU (parent-death signal)" : "is STILL RUNNING"));
            out.println();
            out.println("Still running:");
            Views.statusTable(out, g.processes(), Views.pairsOf(g, g.processes()));
            out.println("$TICK and $NAP are free names again: " + (g.lookup(ProcessName.of("$TICK")).isEmpty()
                    && g.lookup(ProcessName.of("$NAP")).isEmpty()));
            g.processStop(clock);

            step(out, "5. The counter pair: its backup on CPU 0 took over");
            await("the counter's backup to take over", () -> {
                var pair = g.processGetPairInfo(ProcessName.of("$CTR"));
                return pair.primary() != null && pair.primary().cpu() == 0;
            });
            var pair = g.processGetPairInfo(ProcessName.of("$CTR"));
            Path newLog = Path.of(g.process(pair.primary()).orElseThrow().logFile());
            await("the new primary to report its takeover", () -> lastMatch(newLog, TOOK_OVER) >= 0);
            long tookOverAt = lastMatch(newLog, TOOK_OVER);
            lastHeld = Math.max(lastHeld, lastMatch(ctrLog, HELD));
            Views.ppdTable(out, List.of(pair));
            out.println("last counter the old primary saw held by its backup: " + lastHeld);
            out.println("the new primary took over at counter:              " + tookOverAt
                    + "   (epoch " + org.openpair.emulator.names.Epochs.format(pair.epoch()) + ")");
            final long from = tookOverAt;
            await("the counter to go on", () -> lastCounter(newLog) > from + 3);
            out.println("and it goes on counting: ... " + lastCounter(newLog));
            boolean counterOk = tookOverAt >= lastHeld && tookOverAt <= lastHeld + 1;

            step(out, "6. The ledger pair $LEDG: a client on CPU 0 sent " + LedgerDemo.TRANSFERS
                    + " transfers while the ledger's primary on CPU 1 was killed");
            await("the ledger client to finish", ledger::finished);
            boolean ledgerOk = ledger.report(out);

            boolean ok = lost.size() == 2 && lost.stream().allMatch(t -> t.completionCode() == -4) && napGone && counterOk
                    && ledgerOk;
            g.processStop(pair.primary());
            g.processStop(LedgerDemo.LEDGER);
            step(out, ok ? "Done: CPU 1's processes ended with completion code -4 and their names are free; "
                    + "the counter pair lost nothing its primary was told was safe; every transfer was applied once "
                    + "and the ledger's total was conserved."
                    : "UNEXPECTED: see the tables above.");
            out.println("Logs: " + work);
            out.flush();
            return ok ? ExitCodes.OK : ExitCodes.GUARDIAN_ERROR;
        } finally {
            if (cpu1 != null && cpu1.isAlive()) {
                cpu1.sigkill();
            }
        }
    }

    /** The number in the last line of the log matching the pattern, or -1. */
    private static long lastMatch(Path log, java.util.regex.Pattern pattern) {
        long last = -1;
        try {
            for (String line : Files.readAllLines(log)) {
                var m = pattern.matcher(line);
                if (m.find()) {
                    last = Long.parseLong(m.group(1));
                }
            }
        } catch (IOException | RuntimeException e) {
            return last;
        }
        return last;
    }

    /** True while the pid runs; a zombie waiting for init to reap it has ended. */
    private static boolean runs(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    private static long lastCounter(Path log) {
        return lastMatch(log, java.util.regex.Pattern.compile("^counter (\\d+)"));
    }

    private static void step(PrintWriter out, String text) {
        out.println();
        out.println("== " + text);
        out.flush();
    }

    /** A CPU in a JVM of its own: same java, class path and JVM flags as this one. */
    private static CpuJvm launchCpu(NodeConfig config, int cpu, Path output) {
        List<String> args = List.of("cpu", "start", "--cpu", String.valueOf(cpu), "--cpus", "2",
                "--node", config.nodeName(), "--base-port", String.valueOf(config.basePort()),
                "--log-dir", config.logDir().toString());
        args = new java.util.ArrayList<>(args);
        args.addAll(org.openpair.emulator.launch.KeyFileArgs.of(config, config.logDir()));
        return CpuJvm.start("CPU " + cpu, CpuJvm.command(List.of(), CpuJvm.inheritedFlags(), args), output);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new GuardianException(GuardianError.TIMED_OUT, "waited " + BOUND.toSeconds() + " s for " + what);
            }
            Thread.sleep(5);
        }
    }
}
