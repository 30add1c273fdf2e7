package org.openpair.emulator.os;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything {@link NativeOs#spawn} needs to start an OS process, immutable so a spec can be kept
 * and reused to restart the same program: the child gets exactly {@code environment} (nothing is
 * inherited), stdin from /dev/null, and stdout and stderr appended to {@code logFile}.
 * {@code dieWithParent} asks for the child to be SIGKILLed when the spawning <em>thread</em> ends.
 */
public record SpawnSpec(Path executable, List<String> args, Map<String, String> environment,
                        Path logFile, boolean dieWithParent) {

    public SpawnSpec {
        Objects.requireNonNull(executable, "executable");
        Objects.requireNonNull(logFile, "logFile");
        args = List.copyOf(args);
        environment = Map.copyOf(environment);
        for (String key : environment.keySet()) {
            if (key.isEmpty() || key.indexOf('=') >= 0) {
                throw new IllegalArgumentException("invalid environment variable name: '" + key + "'");
            }
        }
    }
}
