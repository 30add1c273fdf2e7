package org.openpair.emulator.cli;

import java.nio.file.Path;
import java.util.List;

import org.openpair.emulator.config.ConfigSources;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.config.NodeSettings;

import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Which node a command talks to, shared by every command: a config file, the {@code OPENPAIR_*}
 * variables over it, and these flags over both (see {@link NodeSettings}). Without any, the
 * loopback node {@code \OPENPAIR} on ports 5801-5816.
 */
final class NodeOptions {
    @Option(names = "--config", paramLabel = "FILE",
            description = "Settings file (YAML); without it, the file $OPENPAIR_CONFIG names, else the first found of "
                    + "openpair.yaml here, in $XDG_CONFIG_HOME/openpair (~/.config/openpair), in /etc/openpair. "
                    + "Flags override variables, variables the file: see CONFIGURATION in guardian(1).")
    Path configFile;

    @Option(names = "--node", paramLabel = "NAME",
            description = "Node name (env OPENPAIR_NODE, file 'node'; default: OPENPAIR).")
    String nodeName;

    @Option(names = "--members", split = ",", paramLabel = "HOST:PORT",
            description = "Addresses to join or connect through, comma-separated "
                    + "(env OPENPAIR_MEMBERS, file 'members'; default: the CPUs' addresses).")
    List<String> members;

    @Option(names = "--bind", paramLabel = "ADDR",
            description = "Address the CPUs listen on (env OPENPAIR_BIND, file 'bind'; default: 127.0.0.1).")
    String bind;

    @Option(names = "--base-port", paramLabel = "PORT",
            description = "CPU n listens on PORT+n (env OPENPAIR_BASE_PORT, file 'base-port'; default: 5801).")
    Integer basePort;

    @Option(names = "--log-dir", paramLabel = "DIR",
            description = "Where per-process log files go (env OPENPAIR_LOG_DIR, file 'log-dir').")
    Path logDir;

    @Option(names = "--run-dir", paramLabel = "DIR",
            description = "Where the CPUs' admin sockets are, DIR/NODE/cpuN.sock: a command on the same machine talks "
                    + "to one of them instead of joining the engine (env OPENPAIR_RUN_DIR, file 'run-dir'; default: "
                    + "$XDG_RUNTIME_DIR/openpair, else <tmp>/openpair-<user>).")
    Path runDir;

    @Option(names = "--key-file", paramLabel = "FILE",
            description = "The node key (made by 'guardian key new', mode 0600): CPUs and commands prove they hold it "
                    + "on every connection (env OPENPAIR_KEY_FILE, file 'key-file'; default: none, the node trusts "
                    + "whoever reaches its ports).")
    Path keyFile;

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec mixee;

    NodeConfig.Builder builder() {
        NodeConfig.Builder b;
        try {
            b = NodeSettings.resolve(configFile, sources());
        } catch (NodeSettings.InvalidVariableException e) {
            throw new CommandLine.ParameterException(mixee.commandLine(), e.getMessage());
        }
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
        if (runDir != null) {
            b.runDir(runDir);
        }
        if (keyFile != null) {
            b.keyFile(keyFile);
        }
        return b;
    }

    NodeConfig config() {
        return builder().build();
    }

    /** The sources the command line was built with; a command run on its own reads the process's. */
    private ConfigSources sources() {
        Object root = mixee != null ? mixee.root().userObject() : null;
        return root instanceof GuardianCommand g ? g.sources : ConfigSources.system();
    }
}
