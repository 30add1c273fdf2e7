package org.openpair.emulator.launch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.security.NodeKey;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * How a launched CPU JVM ({@link CpuJvm}) gets the launcher's node key: a launched CPU must prove
 * the same key as the rest of the node, and its environment and settings files are not its own
 * ({@link CpuJvm#childEnvironment}), so the key goes on its command line as a file name, never
 * as the key itself (a command line is readable by every user of the machine).
 */
public final class KeyFileArgs {
    private KeyFileArgs() {
    }

    /**
     * {@code --key-file FILE} for a CPU JVM of {@code config}'s node, or nothing for a node
     * without a key. A key given in code (a test's, an embedded node's) is written to a file of
     * mode 0600 in {@code dir}, a directory the launcher owns (its log directory), named after the
     * key's fingerprint and reused while it holds that key.
     *
     * @throws GuardianException 48 if a file of that name holds another key or cannot be written
     *                           or read safely
     */
    public static List<String> of(NodeConfig config, Path dir) {
        if (config.nodeKey().isEmpty()) {
            return List.of();
        }
        NodeKey key = config.nodeKey().get();
        Path file = config.keyFile().orElseGet(() -> written(key, dir));
        return List.of("--key-file", file.toString());
    }

    private static Path written(NodeKey key, Path dir) {
        Path f = dir.toAbsolutePath().resolve("node-" + key.fingerprint() + ".key");
        if (!Files.exists(f)) {
            try {
                key.writeNew(f);
            } catch (GuardianException e) {
                // another launcher of the same key wrote it meanwhile: checked below like any existing file
                if (e.guardianError() != GuardianError.IN_USE) {
                    throw e;
                }
            }
        }
        if (!NodeKey.load(f).fingerprint().equals(key.fingerprint())) {
            throw new GuardianException(GuardianError.SECURITY, "node key file " + f + " holds another key");
        }
        return f;
    }
}
