package org.openpair.emulator.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;

import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.emulator.node.NodeConfig;
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
 * and CPU 1 in a JVM of its own; named processes on CPU 1; then CPU 1's JVM is killed with
 * SIGKILL and the demo shows what the node lost and how fast it knew.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Start a 2-CPU node, run named processes on CPU 1, kill -9 CPU 1, show what was lost.",
                "Uses its own node name and free loopback ports; leaves nothing running."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the demo ran and the node behaved as expected", "1:the node did not behave as expected",
                "4:internal failure"})
final class DemoCommand implements Callable<Integer> {
    private static final String TICKER = "org.openpair.examples.Ticker";
    private static final Duration BOUND = Duration.ofSeconds(60);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        Path work = Files.createTempDirectory("openpair-demo");
        int basePort = freePortBlock();
        NodeConfig config = NodeConfig.builder()
                .nodeName("DEMO" + ThreadLocalRandom.current().nextInt(100))
                .basePort(basePort).cpus(2).logDir(work.resolve("logs")).build();
        String node = "\\" + config.nodeName();

        step(out, "1. Start node " + node + ": CPU 0 in this JVM, CPU 1 in its own JVM (loopback ports "
                + basePort + "-" + (basePort + 1) + ")");
        Process cpu1 = null;
        try (EmbeddedNode embedded = EmbeddedNode.start(config, List.of(0))) {
            cpu1 = launchCpu(config, 1, work.resolve("cpu1.out"));
            Guardian g = embedded.guardian();
            final Process child = cpu1;
            await("CPU 1 to join", () -> !child.isAlive() || g.cpus().size() == 2);
            if (!cpu1.isAlive()) {
                throw new GuardianException(GuardianError.DEVICE_DOWN, "CPU 1 did not start; see " + work.resolve("cpu1.out"));
            }
            Views.cpuTable(out, g.cpus());

            step(out, "2. Spawn named processes: $TICK (hosted Java) and $NAP (OS 'sleep') on CPU 1, $CLOCK on CPU 0");
            ProcessHandle tick = g.processSpawn(SpawnRequest.of(Program.hosted(TICKER)).name("$TICK").cpu(1)
                    .args("500").build());
            ProcessHandle nap = g.processSpawn(SpawnRequest.of(Program.executable("sleep")).name("$NAP").cpu(1)
                    .args("600").build());
            ProcessHandle clock = g.processSpawn(SpawnRequest.of(Program.hosted(TICKER)).name("$CLOCK").cpu(0)
                    .args("1000").build());
            long napPid = g.process(nap).map(ProcessInfo::pid).orElse(0L);
            Views.statusTable(out, g.processes(), Views.pairsOf(g, g.processes()));
            out.println();
            out.println("PPD:");
            for (ProcessInfo p : g.processes()) {
                out.printf("  %-7s primary %-6s backup %-6s ancestor %s%n", p.name(), p.handle().cpuPin(), "",
                        p.ancestor() == null ? "(operator)" : p.ancestor().cpuPin());
            }

            step(out, "3. kill -9 the JVM of CPU 1 (pid " + cpu1.pid() + ")");
            out.flush();
            long killedAt = System.nanoTime();
            cpu1.destroyForcibly();
            cpu1.waitFor();
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
            boolean napGone = napPid == 0 || java.lang.ProcessHandle.of(napPid).map(p -> !p.isAlive()).orElse(true);
            out.println("OS process 'sleep' (pid " + napPid + ") "
                    + (napGone ? "died with its CPU (parent-death signal)" : "is STILL RUNNING"));
            out.println();
            out.println("Still running:");
            Views.statusTable(out, g.processes(), Views.pairsOf(g, g.processes()));
            out.println("$TICK and $NAP are free names again: " + (g.lookup(ProcessName.of("$TICK")).isEmpty()
                    && g.lookup(ProcessName.of("$NAP")).isEmpty()));
            g.processStop(clock);

            boolean ok = lost.size() == 2 && lost.stream().allMatch(t -> t.completionCode() == -4) && napGone;
            step(out, ok ? "Done: both processes of CPU 1 ended with completion code -4 and their names are free."
                    : "UNEXPECTED: see the tables above.");
            out.println("Logs: " + work);
            out.flush();
            return ok ? ExitCodes.OK : ExitCodes.GUARDIAN_ERROR;
        } finally {
            if (cpu1 != null && cpu1.isAlive()) {
                cpu1.destroyForcibly();
            }
        }
    }

    private static void step(PrintWriter out, String text) {
        out.println();
        out.println("== " + text);
        out.flush();
    }

    /** A CPU in a JVM of its own: same java, class path and JVM flags as this one. */
    private static Process launchCpu(NodeConfig config, int cpu, Path output) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(java.lang.ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(GuardianCommand.class.getName());
        cmd.addAll(List.of("cpu", "start", "--cpu", String.valueOf(cpu), "--cpus", "2",
                "--node", config.nodeName(), "--base-port", String.valueOf(config.basePort()),
                "--log-dir", config.logDir().toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile()).start();
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

    private static int freePortBlock() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = 20000 + ThreadLocalRandom.current().nextInt(30000);
            boolean free = true;
            for (int p = base; p < base + 2 && free; p++) {
                try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
                    s.setReuseAddress(true);
                } catch (IOException e) {
                    free = false;
                }
            }
            if (free) {
                return base;
            }
        }
        throw new GuardianException(GuardianError.NO_ROOM, "no two free consecutive loopback ports found");
    }
}
