package org.openpair.emulator.cli;

import java.util.concurrent.Callable;

import org.openpair.emulator.cpu.Cpu;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.process.ProgramCode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code guardian cpu start}: one CPU in the foreground. */
@Command(name = "cpu", mixinStandardHelpOptions = true, description = "Run one CPU of a node.",
        subcommands = CpuCommand.Start.class)
final class CpuCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: start");
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = {"Start CPU N of the node in the foreground: a cluster member carrying CPU number N.",
                    "It joins the other CPUs over TCP/IP (loopback by default; never multicast). "
                            + "A CPU number already up in the node is refused. Ctrl-C or SIGTERM stops it in order: "
                            + "its processes end with completion code -4."},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:stopped in order", "1:refused (e.g. error 12: the CPU number, its address or its "
                    + "metrics port is in use)", "2:usage"})
    static final class Start implements Callable<Integer> {
        @Option(names = "--cpu", required = true, paramLabel = "N", description = "The CPU number, 0-15.")
        int cpu;

        @Option(names = "--cpus", paramLabel = "COUNT",
                description = "The node has CPUs 0..COUNT-1 on consecutive ports (default: all 16 configured).")
        Integer cpus;

        @Option(names = "--heartbeat-timeout", paramLabel = "SECONDS",
                description = "Silence after which a CPU is declared dead (default: 5).")
        Integer heartbeatTimeout;

        @Option(names = "--lease-millis", paramLabel = "MS",
                description = "How long this CPU's lease runs without renewal: a hung CPU's pairs are taken over "
                        + "about this long after it stopped (it must be shorter than the heartbeat timeout less one "
                        + "interval; every CPU of the node needs the same). Default 1000, or 0 when the heartbeat "
                        + "leaves no room for it; 0: no lease, a hung CPU is taken over after the heartbeat timeout.")
        Integer leaseMillis;

        @picocli.CommandLine.Mixin
        CpuServerOptions server;

        @Mixin
        NodeOptions node;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            // A CPU is a server: its own events at INFO, Hazelcast's warnings too.
            org.openpair.emulator.launch.Logging.configure(System.Logger.Level.INFO, System.Logger.Level.WARNING);
            NodeConfig.Builder b = node.builder();
            if (cpus != null) {
                b.cpus(cpus);
            }
            if (heartbeatTimeout != null) {
                b.heartbeat(1, heartbeatTimeout);
            }
            if (leaseMillis != null) {
                b.lease(java.time.Duration.ofMillis(leaseMillis));
            }
            server.applyTo(b, spec.commandLine());
            NodeConfig config = b.build();
            // Refused before the CPU joins: a CPU that would fail every user's spawn is no use.
            ProgramCode.check(config.classPath());
            Cpu started = Cpu.start(config, cpu);
            System.out.println("CPU " + cpu + " of \\" + started.config().nodeName() + " is up at "
                    + started.config().cpuAddresses().get(cpu) + " (pid " + ProcessHandle.current().pid() + ")");
            System.out.flush();
            Foreground.runUntilSignalled(started::shutdown);
            return ExitCodes.OK;
        }
    }
}
