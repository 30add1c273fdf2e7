package org.openpair.emulator.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * A node's settings as a command sees them before its flags: a config file, then the
 * {@code OPENPAIR_*} environment variables over it, setting by setting. The command's flags go
 * on top, so the precedence is flag, then variable, then file, then default, and a user writes
 * the node's name and addresses once instead of on every call.
 *
 * <p>The file is the one {@code --config} names, else the one {@code OPENPAIR_CONFIG} names,
 * else the first that exists of {@link ConfigSources#searchPath()}; a named file that does not
 * exist is an error, a searched one is simply skipped.
 */
public final class NodeSettings {
    /** Names the config file, as {@code --config} does. */
    public static final String CONFIG_VARIABLE = "OPENPAIR_CONFIG";

    /**
     * One environment variable and the builder setting it overrides.
     *
     * @param name    the variable
     * @param fileKey the config file's key for the same setting
     * @param setter  sets the value on a builder; throws {@link GuardianException} to refuse it
     */
    public record Variable(String name, String fileKey, Setter setter) {
    }

    /** Applies a variable's value to a builder. */
    @FunctionalInterface
    public interface Setter {
        void set(NodeConfig.Builder builder, String value);
    }

    /** The variables, in the order they are applied; a setting joins by adding its row. */
    public static final List<Variable> VARIABLES = List.of(
            new Variable("OPENPAIR_NODE", "node", NodeConfig.Builder::nodeName),
            new Variable("OPENPAIR_MEMBERS", "members", (b, v) -> b.members(commaSeparated(v))),
            new Variable("OPENPAIR_BIND", "bind", NodeConfig.Builder::bindAddress),
            new Variable("OPENPAIR_BASE_PORT", "base-port", (b, v) -> b.basePort(number(v))),
            new Variable("OPENPAIR_LOG_DIR", "log-dir", (b, v) -> b.logDir(Path.of(v))),
            new Variable("OPENPAIR_RUN_DIR", "run-dir", (b, v) -> b.runDir(Path.of(v))),
            new Variable("OPENPAIR_METRICS_PORT", "metrics-port", (b, v) -> b.metricsPort(number(v))),
            // Relative to the working directory, as a shell would take it; read when the configuration is built.
            new Variable("OPENPAIR_KEY_FILE", "key-file", (b, v) -> b.keyFile(Path.of(v))),
            // A relative entry counts from the directory the command runs in, as a shell's PATH would.
            new Variable("OPENPAIR_CLASS_PATH", "class-path", (b, v) -> b.classPath(Arrays.stream(v.split(":"))
                    .map(e -> e.isBlank() ? e : Path.of(e).toAbsolutePath().normalize().toString()).toList())));

    private NodeSettings() {
    }

    /**
     * The file's settings with the environment's over them.
     *
     * @param configFlag the file {@code --config} names, or null
     * @throws InvalidVariableException when a variable's value is refused
     * @throws GuardianException        when the file is named but missing, or invalid
     */
    public static NodeConfig.Builder resolve(Path configFlag, ConfigSources sources) {
        Optional<Path> file = configFile(configFlag, sources);
        NodeConfig.Builder b = file.isPresent() ? NodeConfigFile.load(file.get()) : NodeConfig.builder();
        applyEnvironment(b, sources);
        if (!b.hasRunDir()) {
            b.runDir(defaultRunDir(sources));
        }
        return b;
    }

    /**
     * Where the CPUs' admin sockets go when no setting names it: {@code $XDG_RUNTIME_DIR/openpair}
     * (the per-user, per-login directory made for sockets), else
     * {@code <java.io.tmpdir>/openpair-<user.name>}. A relative XDG_RUNTIME_DIR is ignored, as
     * the XDG specification says.
     */
    public static Path defaultRunDir(ConfigSources sources) {
        String xdg = sources.variable("XDG_RUNTIME_DIR");
        if (xdg != null && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "openpair");
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "openpair-" + System.getProperty("user.name"));
    }

    /** The file the settings come from, if any; see the class comment for the order. */
    public static Optional<Path> configFile(Path configFlag, ConfigSources sources) {
        if (configFlag != null) {
            return Optional.of(named(configFlag, "--config"));
        }
        String fromEnv = sources.variable(CONFIG_VARIABLE);
        if (fromEnv != null) {
            return Optional.of(named(sources.workingDir().resolve(fromEnv), CONFIG_VARIABLE));
        }
        return sources.searchPath().stream().filter(Files::isRegularFile).findFirst();
    }

    private static Path named(Path file, String by) {
        if (!Files.exists(file)) {
            throw new GuardianException(GuardianError.NOT_FOUND, "config file " + file + " (named by " + by + ") does not exist");
        }
        return file;
    }

    /** Sets every variable that is set; the first refused value stops it. */
    static void applyEnvironment(NodeConfig.Builder b, ConfigSources sources) {
        for (Variable v : VARIABLES) {
            String value = sources.variable(v.name());
            if (value == null) {
                continue;
            }
            try {
                v.setter().set(b, value);
            } catch (GuardianException | IllegalArgumentException e) {
                throw new InvalidVariableException(v.name(), value, e.getMessage());
            }
        }
    }

    private static List<String> commaSeparated(String value) {
        List<String> items = new ArrayList<>();
        for (String item : value.split(",", -1)) {
            items.add(item.strip());
        }
        return items;
    }

    private static int number(String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number");
        }
    }

    /** An {@code OPENPAIR_*} variable whose value is refused: a usage error, like a bad flag. */
    public static final class InvalidVariableException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final String variable;

        InvalidVariableException(String variable, String value, String reason) {
            super(variable + "='" + value + "' is refused: " + reason);
            this.variable = variable;
        }

        /** The variable's name. */
        public String variable() {
            return variable;
        }
    }
}
