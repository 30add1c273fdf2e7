package org.openpair.emulator.cli;

import java.util.List;

import org.openpair.emulator.config.NodeConfig;

import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * What a command that runs CPUs adds to the node settings ({@code cpu start}, {@code node up}):
 * the CPUs' class path for users' programs and their metrics port.
 */
final class CpuServerOptions {
    @Option(names = "--class-path", paramLabel = "PATHS",
            description = "Users' programs for the CPUs started here: searched for hosted and --java programs after a "
                    + "program's own class path (config key class-path; this option replaces it)."
                    + ClassPathOption.DESCRIPTION_SUFFIX + " Each must exist (error 11).")
    List<String> classPath;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Serve each CPU's metrics, GET /metrics in the Prometheus text format: CPU n at PORT+n on its "
                    + "host (env OPENPAIR_METRICS_PORT, file 'metrics-port'; 0 or unset: no metrics). "
                    + "A port in use refuses the CPU (error 12).")
    Integer metricsPort;

    /** Puts what was given over {@code b}'s settings; a usage error for an empty class path entry. */
    NodeConfig.Builder applyTo(NodeConfig.Builder b, CommandLine commandLine) {
        if (classPath != null) {
            b.classPath(ClassPathOption.absolute(commandLine, classPath));
        }
        if (metricsPort != null) {
            b.metricsPort(metricsPort);
        }
        return b;
    }
}
