package org.openpair.emulator.cli;

import java.util.concurrent.Callable;

import org.openpair.emulator.cpu.Cpu;
import org.openpair.emulator.cpu.EmbeddedNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code guardian node up}: several CPUs in one JVM. */
@Command(name = "node", mixinStandardHelpOptions = true, description = "Run several CPUs of a node in one JVM.",
        subcommands = NodeCommand.Up.class)
final class NodeCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: up");
    }

    @Command(name = "up", mixinStandardHelpOptions = true,
            description = {"Start CPUs 0..N-1 of the node in this JVM, in the foreground: the quick start.",
                    "A CPU crash here takes the others with it; for fault tests run each CPU with 'guardian cpu start'."},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:stopped in order", "1:refused (e.g. error 12: a CPU number, address or metrics port "
                    + "is in use)", "2:usage"})
    static final class Up implements Callable<Integer> {
        @Option(names = "--cpus", defaultValue = "2", paramLabel = "N", description = "How many CPUs (default: 2).")
        int cpus;

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
            if (cpus < 1 || cpus > 16) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--cpus must be 1-16: " + cpus);
            }
            var b = node.builder().cpus(cpus);
            server.applyTo(b, spec.commandLine());
            var config = b.build();
            // Refused before any CPU joins: CPUs that would fail every user's spawn are no use.
            org.openpair.emulator.process.ProgramCode.check(config.classPath());
            EmbeddedNode started = EmbeddedNode.start(config, cpus);
            for (Cpu cpu : started.cpus()) {
                System.out.println("CPU " + cpu.number() + " of \\" + cpu.config().nodeName() + " is up at "
                        + cpu.config().cpuAddresses().get(cpu.number()));
            }
            System.out.println("node \\" + started.config().nodeName() + " is up; Ctrl-C stops it");
            System.out.flush();
            Foreground.runUntilSignalled(started::close);
            return ExitCodes.OK;
        }
    }
}
