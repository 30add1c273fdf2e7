package org.openpair.emulator.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where a command looks for its settings besides its flags: the working directory, the user's
 * home, the environment and the system's configuration directory. The command reads them from
 * the process ({@link #system()}); a test passes its own, so it never reads the real home,
 * {@code /etc} or environment, and never changes them.
 *
 * @param workingDir where {@code ./openpair.yaml} is looked for
 * @param home       the user's home, for {@code ~/.config} when {@code XDG_CONFIG_HOME} is unset
 * @param env        the environment variables ({@code OPENPAIR_*}, {@code XDG_CONFIG_HOME})
 * @param systemDir  the system-wide directory, {@code /etc/openpair}
 */
public record ConfigSources(Path workingDir, Path home, Map<String, String> env, Path systemDir) {
    /** The name of the settings file in each directory searched. */
    public static final String FILE_NAME = "openpair.yaml";

    public ConfigSources {
        Objects.requireNonNull(workingDir, "workingDir");
        Objects.requireNonNull(home, "home");
        env = Map.copyOf(env);
        Objects.requireNonNull(systemDir, "systemDir");
    }

    /** This process's working directory, home, environment and {@code /etc/openpair}. */
    public static ConfigSources system() {
        return new ConfigSources(Path.of("").toAbsolutePath(), Path.of(System.getProperty("user.home")),
                System.getenv(), Path.of("/etc/openpair"));
    }

    /** An environment variable, or null when it is unset or blank: {@code VAR= guardian ...} unsets it. */
    public String variable(String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? null : value.strip();
    }

    /**
     * The files searched, in order: the working directory's, the user's, the system's. The
     * user's lives under {@code $XDG_CONFIG_HOME}, or {@code ~/.config} when that is unset or
     * relative (the XDG base directory specification ignores a relative one).
     */
    public List<Path> searchPath() {
        String xdg = variable("XDG_CONFIG_HOME");
        Path userConfig = xdg != null && Path.of(xdg).isAbsolute() ? Path.of(xdg) : home.resolve(".config");
        List<Path> files = new ArrayList<>();
        files.add(workingDir.resolve(FILE_NAME));
        files.add(userConfig.resolve("openpair").resolve(FILE_NAME));
        files.add(systemDir.resolve(FILE_NAME));
        return List.copyOf(files);
    }
}
