package org.openpair.emulator.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.openpair.emulator.config.NodeConfig;

/**
 * Reads a node's settings from a YAML file, so an operator writes them once for every CPU
 * and for the {@code guardian} command:
 *
 * <pre>
 * node: PROD
 * bind: 127.0.0.1
 * base-port: 5801
 * cpus:
 *   0: 127.0.0.1:5801
 *   1: 127.0.0.1:5802
 * members: [127.0.0.1:5801, 127.0.0.1:5802]
 * heartbeat: { interval-seconds: 1, timeout-seconds: 5 }
 * log-dir: /var/log/openpair
 * run-dir: /run/user/1000/openpair  # the CPUs' admin sockets (default: $XDG_RUNTIME_DIR/openpair)
 * lease-millis: 1000        # a hung CPU's pairs move this long after it stopped (the default; 0: at the heartbeat timeout)
 * stop-grace-millis: 5000
 * operator-timeout-millis: 10000  # a call to a CPU that does not answer fails with error 40 after this
 * quorum: 2            # CPUs a CPU must see to keep its primaries (default: a majority; 1 for 1-2 CPUs)
 * class-path: [lib/app.jar, /opt/app/classes]   # or "lib/app.jar:/opt/app/classes"; relative to this file
 * metrics-port: 9101   # CPU n serves GET /metrics at this port + n (default: no metrics)
 * key-file: /etc/openpair/PROD.key   # the node key, made by 'guardian key new'; relative to this file
 * </pre>
 *
 * Every key is optional; an unknown key or a value of the wrong type is refused with the key
 * named, because a typo in a cluster file should not silently start a different cluster.
 *
 * <p>The {@code guardian} command finds the file itself ({@code ./openpair.yaml}, the user's,
 * the system's) and lets {@code OPENPAIR_*} variables and flags override its keys: see
 * {@link NodeSettings}, and CONFIGURATION in guardian(1), whose sample is a subset of this one.
 */
public final class NodeConfigFile {
    private static final Set<String> KEYS = Set.of("node", "bind", "base-port", "cpus", "members",
            "heartbeat", "lease-millis", "log-dir", "run-dir", "stop-grace-millis", "quorum", "operator-timeout-millis", "class-path",
            "metrics-port", "key-file");

    private NodeConfigFile() {
    }

    /** Loads the file into a builder whose settings command-line flags may then override. */
    public static NodeConfig.Builder load(Path file) {
        Object root;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            root = new Load(LoadSettings.builder().setLabel(file.toString()).build()).loadFromReader(reader);
        } catch (IOException e) {
            throw new GuardianException(GuardianError.NOT_FOUND, "cannot read config file " + file + ": " + e.getMessage());
        } catch (YamlEngineException e) {
            throw invalid(file, "not valid YAML: " + e.getMessage().replace('\n', ' '));
        }
        NodeConfig.Builder b = NodeConfig.builder();
        if (root == null) {
            return b;
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw invalid(file, "the top level must be a mapping of settings");
        }
        for (Object key : map.keySet()) {
            if (!KEYS.contains(String.valueOf(key))) {
                throw invalid(file, "unknown key '" + key + "' (known: " + String.join(", ", new java.util.TreeSet<>(KEYS)) + ")");
            }
        }
        try {
            if (map.containsKey("node")) {
                b.nodeName(String.valueOf(map.get("node")));
            }
            if (map.containsKey("bind")) {
                b.bindAddress(String.valueOf(map.get("bind")));
            }
            if (map.containsKey("base-port")) {
                b.basePort(integer(file, "base-port", map.get("base-port")));
            }
            if (map.get("cpus") instanceof Map<?, ?> cpus) {
                for (Map.Entry<?, ?> e : cpus.entrySet()) {
                    b.cpu(integer(file, "cpus", e.getKey()), String.valueOf(e.getValue()));
                }
            } else if (map.containsKey("cpus")) {
                throw invalid(file, "'cpus' must map CPU numbers to host:port");
            }
            if (map.get("members") instanceof List<?> members) {
                List<String> list = new ArrayList<>();
                members.forEach(m -> list.add(String.valueOf(m)));
                b.members(list);
            } else if (map.containsKey("members")) {
                throw invalid(file, "'members' must be a list of host:port");
            }
            if (map.get("heartbeat") instanceof Map<?, ?> hb) {
                for (Object k : hb.keySet()) {
                    if (!Set.of("interval-seconds", "timeout-seconds").contains(String.valueOf(k))) {
                        throw invalid(file, "unknown key 'heartbeat." + k + "'");
                    }
                }
                b.heartbeat(integer(file, "heartbeat.interval-seconds", hb.containsKey("interval-seconds") ? hb.get("interval-seconds") : 1),
                        integer(file, "heartbeat.timeout-seconds", hb.containsKey("timeout-seconds") ? hb.get("timeout-seconds") : 5));
            } else if (map.containsKey("heartbeat")) {
                throw invalid(file, "'heartbeat' must hold interval-seconds and timeout-seconds");
            }
            if (map.containsKey("log-dir")) {
                b.logDir(Path.of(String.valueOf(map.get("log-dir"))));
            }
            if (map.containsKey("run-dir")) {
                b.runDir(Path.of(String.valueOf(map.get("run-dir"))));
            }
            if (map.containsKey("quorum")) {
                b.quorum(integer(file, "quorum", map.get("quorum")));
            }
            if (map.containsKey("lease-millis")) {
                b.lease(Duration.ofMillis(integer(file, "lease-millis", map.get("lease-millis"))));
            }
            if (map.containsKey("stop-grace-millis")) {
                b.stopGrace(Duration.ofMillis(integer(file, "stop-grace-millis", map.get("stop-grace-millis"))));
            }
            if (map.containsKey("operator-timeout-millis")) {
                b.operatorTimeout(Duration.ofMillis(integer(file, "operator-timeout-millis",
                        map.get("operator-timeout-millis"))));
            }
            if (map.containsKey("metrics-port")) {
                b.metricsPort(integer(file, "metrics-port", map.get("metrics-port")));
            }
            if (map.containsKey("key-file")) {
                if (!(map.get("key-file") instanceof String k) || k.isBlank()) {
                    throw invalid(file, "'key-file' must be a path, not '" + map.get("key-file") + "'");
                }
                // Like class-path: the file means the same key from wherever a command runs.
                b.keyFile(file.toAbsolutePath().getParent().resolve(k));
            }
            if (map.containsKey("class-path")) {
                b.classPath(classPath(file, map.get("class-path")));
            }
        } catch (GuardianException e) {
            throw invalid(file, e.getMessage());
        }
        return b;
    }

    /**
     * A ':'-separated string or a list; a relative entry is resolved against the file's own
     * directory, so the file means the same from wherever a CPU is started.
     */
    private static List<String> classPath(Path file, Object value) {
        List<String> raw = new ArrayList<>();
        if (value instanceof String s) {
            raw.addAll(List.of(s.split(":", -1)));
        } else if (value instanceof List<?> list) {
            list.forEach(e -> raw.add(e == null ? "" : String.valueOf(e)));
        } else {
            throw invalid(file, "'class-path' must be a ':'-separated string or a list of paths, not '" + value + "'");
        }
        Path dir = file.toAbsolutePath().getParent();
        List<String> absolute = new ArrayList<>();
        for (String e : raw) {
            absolute.add(e.isBlank() ? e : dir.resolve(e).normalize().toString());
        }
        return absolute;
    }

    private static int integer(Path file, String key, Object value) {
        if (value instanceof Integer i) {
            return i;
        }
        if (value instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) {
            return l.intValue();
        }
        throw invalid(file, "'" + key + "' must be a whole number, not '" + value + "'");
    }

    private static GuardianException invalid(Path file, String message) {
        return new GuardianException(GuardianError.INVALID_OPERATION, "config file " + file + ": " + message);
    }
}
