package org.openpair.emulator.cli;

import java.nio.file.Path;
import java.util.List;

import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.config.NodeConfigFile;

import picocli.CommandLine.Option;

/**
 * Which node a command talks to, shared by every command: a YAML file and flags that override
 * it. Without either, the loopback node {@code \OPENPAIR} on ports 5801-5816.
 */
final class NodeOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "Node settings file (YAML); flags override it.")
    Path configFile;

    @Option(names = "--node", paramLabel = "NAME", description = "Node name (default: OPENPAIR).")
    String nodeName;

    @Option(names = "--members", split = ",", paramLabel = "HOST:PORT",
            description = "Addresses to join or connect through, comma-separated (default: the CPUs' addresses).")
    List<String> members;

    @Option(names = "--bind", paramLabel = "ADDR", description = "Address the CPUs listen on (default: 127.0.0.1).")
    String bind;

    @Option(names = "--base-port", paramLabel = "PORT", description = "CPU n listens on PORT+n (default: 5801).")
    Integer basePort;

    @Option(names = "--log-dir", paramLabel = "DIR", description = "Where per-process log files go.")
    Path logDir;

    NodeConfig.Builder builder() {
        NodeConfig.Builder b = configFile != null ? NodeConfigFile.load(configFile) : NodeConfig.builder();
        if (nodeName != null) {
            b.nodeName(nodeName);
        }
        if (basePort != null) {
            b.basePort(basePort);
        }
        if (bind != null) {
            b.bindAddress(bind);
        }
        if (members != null) {
            b.members(members);
        }
        if (logDir != null) {
            b.logDir(logDir);
        }
        return b;
    }

    NodeConfig config() {
        return builder().build();
    }
}
