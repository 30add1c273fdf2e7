package org.openpair.emulator.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

import org.openpair.emulator.security.NodeKey;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * Everything a CPU or a client needs to find the node: its name, the CPUs it is configured
 * with and their addresses, how members join (a TCP-IP list, never multicast or
 * auto-detection), how fast a hung CPU is declared dead, and where process logs go.
 *
 * <p>Defaults describe a loopback node: CPU n listens on 127.0.0.1 at base port + n, and every
 * CPU of 0-15 is configured. A CPU number outside the configured set "does not exist" (error
 * 14); a configured CPU that is not running is "down" (error 66).
 */
public final class NodeConfig {
    public static final String DEFAULT_NODE = "OPENPAIR";
    public static final int DEFAULT_BASE_PORT = 5801;
    public static final int MAX_CPUS = 16;

    /**
     * The lease a node takes unless told otherwise: a hung CPU's pairs move about a second after
     * it stopped, where the heartbeat alone takes its timeout (5 s by default).
     */
    public static final Duration ADVISED_LEASE = Duration.ofMillis(1000);
    static final int MIN_LEASE_MILLIS = 200;
    private final String nodeName;
    private final String bindAddress;
    private final int basePort;
    private final Map<Integer, String> cpuAddresses;
    private final List<String> members;
    private final int heartbeatIntervalSeconds;
    private final int heartbeatTimeoutSeconds;
    private final Path logDir;
    /** Where the CPUs put their admin sockets; null: none (a node built in code, such as a test's). */
    private final Path runDir;
    private final Duration stopGrace;
    private final Duration lease;
    private final int quorum;
    private final Duration operatorTimeout;
    /** Whether the CPUs were named (flags, file), rather than the implicit 0-15. */
    private final boolean explicitCpus;
    /** The CPUs' class path for users' programs: absolute jars and directories. */
    private final List<String> classPath;
    /** CPU n serves its metrics at this port + n; 0: no metrics. */
    private final int metricsPort;
    /** The node key and the file it came from; null: the node runs without one. */
    private final NodeKey nodeKey;
    private final Path keyFile;

    private NodeConfig(Builder b) {
        this.nodeName = b.nodeName;
        this.bindAddress = b.bindAddress;
        this.basePort = b.basePort;
        Map<Integer, String> cpus = new TreeMap<>(b.cpuAddresses);
        this.explicitCpus = !cpus.isEmpty();
        if (cpus.isEmpty()) {
            for (int cpu = 0; cpu < MAX_CPUS; cpu++) {
                cpus.put(cpu, b.bindAddress + ":" + (b.basePort + cpu));
            }
        }
        this.cpuAddresses = Collections.unmodifiableMap(cpus);
        this.members = List.copyOf(b.members.isEmpty() ? new ArrayList<>(cpus.values()) : b.members);
        this.heartbeatIntervalSeconds = b.heartbeatIntervalSeconds;
        this.heartbeatTimeoutSeconds = b.heartbeatTimeoutSeconds;
        this.logDir = b.logDir != null ? b.logDir
                : Path.of(System.getProperty("java.io.tmpdir"), "openpair-" + nodeName.toLowerCase(Locale.ROOT), "logs");
        this.runDir = b.runDir;
        this.stopGrace = b.stopGrace;
        this.lease = b.lease;
        this.operatorTimeout = b.operatorTimeout;
        this.classPath = List.copyOf(b.classPath);
        this.metricsPort = b.metricsPort;
        this.nodeKey = b.nodeKey != null || b.keyFile == null ? b.nodeKey : NodeKey.load(b.keyFile);
        this.keyFile = b.keyFile;
        int configured = cpus.size();
        if (b.quorum > configured) {
            throw Builder.invalid("quorum " + b.quorum + " exceeds the " + configured + " configured CPUs");
        }
        this.quorum = b.quorum > 0 ? b.quorum : explicitCpus ? defaultQuorum(configured) : 1;
    }

    /**
     * A majority of the configured CPUs; for one or two CPUs, 1. A node whose CPUs were not
     * named (the implicit 0-15 of a quick start) has no quorum (1): a majority of sixteen
     * CPUs nobody meant to run would stop every primary. A majority of two is two, and
     * a two-CPU node that stopped its primaries whenever either CPU failed would survive no
     * failure at all; so a two-CPU node keeps running on either CPU alone, and relies on epoch
     * fencing (a checkpoint the promoted backup refuses stops the old primary). On one machine
     * that is safe, since a CPU there can die or hang but not be cut off; across machines, run
     * three CPUs or more.
     */
    static int defaultQuorum(int configuredCpus) {
        return configuredCpus <= 2 ? 1 : configuredCpus / 2 + 1;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration's settings, to override some. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.nodeName = nodeName;
        b.bindAddress = bindAddress;
        b.basePort = basePort;
        if (explicitCpus) {
            b.cpuAddresses.putAll(cpuAddresses);
        }
        b.members.addAll(members);
        b.heartbeatIntervalSeconds = heartbeatIntervalSeconds;
        b.heartbeatTimeoutSeconds = heartbeatTimeoutSeconds;
        b.logDir = logDir;
        b.runDir = runDir;
        b.stopGrace = stopGrace;
        b.lease = lease;
        b.operatorTimeout = operatorTimeout;
        b.quorum = quorum;
        b.classPath.addAll(classPath);
        b.metricsPort = metricsPort;
        b.nodeKey = nodeKey;
        b.keyFile = keyFile;
        return b;
    }

    /** The node name without its backslash, upper case. */
    public String nodeName() {
        return nodeName;
    }

    /** The Hazelcast cluster name: one node, one cluster. */
    public String clusterName() {
        return "openpair-" + nodeName;
    }

    public String bindAddress() {
        return bindAddress;
    }

    public int basePort() {
        return basePort;
    }

    /** The configured CPUs and the host:port each listens on. */
    public Map<Integer, String> cpuAddresses() {
        return cpuAddresses;
    }

    /** True when the CPU number is configured in this node. */
    public boolean hasCpu(int cpu) {
        return cpuAddresses.containsKey(cpu);
    }

    /** The host:port list members join through and clients connect to. */
    public List<String> members() {
        return members;
    }

    public int heartbeatIntervalSeconds() {
        return heartbeatIntervalSeconds;
    }

    /** Silence after which a CPU is declared dead: the hung-CPU detection time. */
    public int heartbeatTimeoutSeconds() {
        return heartbeatTimeoutSeconds;
    }

    public Path logDir() {
        return logDir;
    }

    /**
     * The directory whose {@code <node>/cpuN.sock} are the CPUs' admin sockets, which a command
     * on the same machine talks to instead of joining the engine as a client, and whose
     * {@code <node>/attach-cpuN.sock} are where their Java OS processes attach. The command's
     * settings always name one ({@link NodeSettings#defaultRunDir}); a configuration built in
     * code has none unless given, so an in-JVM test's CPUs never touch the user's.
     */
    public java.util.Optional<Path> runDir() {
        return java.util.Optional.ofNullable(runDir);
    }

    /**
     * The fewest CPUs a CPU must see (itself included) to keep primaries; below it, a CPU stops
     * its primaries itself. See {@link #defaultQuorum}.
     */
    public int quorum() {
        return quorum;
    }

    /** How long a stopped process may take to end before it is killed. */
    /**
     * How long a CPU's lease runs without renewal: a hung CPU's pairs are taken over about this
     * long after it stopped (zero: off, a hung CPU waits for the heartbeat timeout). By default
     * {@link #ADVISED_LEASE} where the heartbeat leaves room for it ({@link #defaultLease}).
     */
    public Duration lease() {
        return lease;
    }

    /**
     * The lease of a node that names none: {@link #ADVISED_LEASE}, or none (zero) when the
     * heartbeat timeout less one interval leaves no room for it (a 1 s interval and a 2 s
     * timeout): the engine would then notice a hung CPU first, and the lease would buy nothing.
     */
    public static Duration defaultLease(int heartbeatIntervalSeconds, int heartbeatTimeoutSeconds) {
        return ADVISED_LEASE.toMillis() < (heartbeatTimeoutSeconds - heartbeatIntervalSeconds) * 1000L
                ? ADVISED_LEASE : Duration.ZERO;
    }

    public Duration stopGrace() {
        return stopGrace;
    }

    /**
     * How long a call to another CPU (spawn, stop, switch) waits for its answer beyond the work
     * it asked for (a stop's grace time) before it fails with error 40: a hung CPU is declared
     * dead only after the heartbeat timeout, and a caller must not wait that long for it.
     */
    public Duration operatorTimeout() {
        return operatorTimeout;
    }

    /**
     * The jars and class directories every CPU adds for hosted and {@code --java} programs, after
     * a program's own class path; empty for none. Absolute paths, checked on the CPU's machine by
     * {@code cpu start} and {@code node up} before the CPU starts, and by the CPU at each spawn.
     */
    public List<String> classPath() {
        return classPath;
    }

    /**
     * The port CPU {@code cpu} serves its metrics at, {@code GET /metrics} on its own host: the
     * metrics-port setting + the CPU number, as the CPUs' own ports follow the base port, so one
     * setting serves every CPU of a machine. Empty when the setting is not given (the default).
     */
    /**
     * The node key the CPUs and commands prove themselves with and sign the engine's records
     * with; empty when the node runs without one (every peer that reaches a port is trusted).
     */
    public Optional<NodeKey> nodeKey() {
        return Optional.ofNullable(nodeKey);
    }

    /** The file the node key was read from, to hand to the CPU JVMs a command launches; empty for a key given in code. */
    public Optional<Path> keyFile() {
        return Optional.ofNullable(keyFile);
    }

    public java.util.OptionalInt metricsPort(int cpu) {
        return metricsPort == 0 ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(metricsPort + cpu);
    }

    /** Collects settings; each setter checks its value and names it when refusing. */
    public static final class Builder {
        private String nodeName = DEFAULT_NODE;
        private String bindAddress = "127.0.0.1";
        private int basePort = DEFAULT_BASE_PORT;
        private final Map<Integer, String> cpuAddresses = new TreeMap<>();
        private final List<String> members = new ArrayList<>();
        private int heartbeatIntervalSeconds = 1;
        private int heartbeatTimeoutSeconds = 5;
        private Path logDir;
        private Path runDir;
        private Duration stopGrace = Duration.ofSeconds(5);
        /** Null until set: {@link #defaultLease} of the heartbeat then. */
        private Duration lease;
        private Duration operatorTimeout = Duration.ofSeconds(10);
        private int quorum;
        private final List<String> classPath = new ArrayList<>();
        private int metricsPort;
        private NodeKey nodeKey;
        private Path keyFile;

        private Builder() {
        }

        /** Node name: 1-7 letters or digits, the first a letter, with or without its backslash. */
        public Builder nodeName(String name) {
            String bare = name != null && name.startsWith("\\") ? name.substring(1) : name;
            if (bare == null || !bare.matches("[A-Za-z][A-Za-z0-9]{0,6}")) {
                throw invalid("node name must be 1-7 letters or digits, the first a letter: " + name);
            }
            this.nodeName = bare.toUpperCase(Locale.ROOT);
            return this;
        }

        public Builder bindAddress(String address) {
            if (address == null || address.isBlank() || address.contains(":")) {
                throw invalid("bind address must be a host name or IPv4 address without port: " + address);
            }
            this.bindAddress = address;
            if (!cpuAddresses.isEmpty()) {
                cpuAddresses.replaceAll((cpu, hostPort) -> address + ":" + port(hostPort));
            }
            return this;
        }

        public Builder basePort(int port) {
            if (port < 1024 || port > 65535 - MAX_CPUS) {
                throw invalid("base port must be 1024-" + (65535 - MAX_CPUS) + ": " + port);
            }
            this.basePort = port;
            return this;
        }

        /** Configures a CPU at an address; once any CPU is configured, only those exist. */
        public Builder cpu(int cpu, String hostPort) {
            checkCpu(cpu);
            checkHostPort(hostPort);
            cpuAddresses.put(cpu, hostPort);
            return this;
        }

        /** Configures CPUs 0..count-1 at the bind address, base port + n. */
        public Builder cpus(int count) {
            if (count < 1 || count > MAX_CPUS) {
                throw invalid("CPU count must be 1-16: " + count);
            }
            cpuAddresses.clear();
            for (int cpu = 0; cpu < count; cpu++) {
                cpuAddresses.put(cpu, bindAddress + ":" + (basePort + cpu));
            }
            return this;
        }

        /** The join list; replaces any earlier one. */
        public Builder members(List<String> hostPorts) {
            members.clear();
            for (String hp : hostPorts) {
                checkHostPort(hp);
                members.add(hp);
            }
            return this;
        }

        public Builder heartbeat(int intervalSeconds, int timeoutSeconds) {
            if (intervalSeconds < 1) {
                throw invalid("heartbeat interval must be at least 1 second: " + intervalSeconds);
            }
            if (timeoutSeconds <= intervalSeconds) {
                throw invalid("heartbeat timeout (" + timeoutSeconds + " s) must exceed the interval ("
                        + intervalSeconds + " s)");
            }
            this.heartbeatIntervalSeconds = intervalSeconds;
            this.heartbeatTimeoutSeconds = timeoutSeconds;
            return this;
        }

        public Builder logDir(Path dir) {
            this.logDir = Objects.requireNonNull(dir, "log dir");
            return this;
        }

        /** See {@link NodeConfig#runDir()}. */
        public Builder runDir(Path dir) {
            this.runDir = Objects.requireNonNull(dir, "run dir");
            return this;
        }

        /** Whether a run directory was given: the command fills in the default only when none was. */
        public boolean hasRunDir() {
            return runDir != null;
        }

        /** The lease length (zero: off); at least {@value #MIN_LEASE_MILLIS} ms and shorter than the heartbeat timeout less one interval. */
        public Builder lease(Duration length) {
            if (length.isNegative() || (!length.isZero() && length.toMillis() < MIN_LEASE_MILLIS)) {
                throw invalid("lease must be 0 (off) or at least " + MIN_LEASE_MILLIS + " ms: " + length.toMillis());
            }
            this.lease = length;
            return this;
        }

        public Builder stopGrace(Duration grace) {
            if (grace.isNegative()) {
                throw invalid("stop grace must not be negative: " + grace);
            }
            this.stopGrace = grace;
            return this;
        }

        /** See {@link NodeConfig#operatorTimeout()}; at least 1 ms. */
        public Builder operatorTimeout(Duration timeout) {
            if (timeout.toMillis() < 1) {
                throw invalid("operator timeout must be at least 1 ms: " + timeout);
            }
            this.operatorTimeout = timeout;
            return this;
        }

        /** The minimum number of CPUs a CPU must see to keep its primaries; 0 for the default. */
        public Builder quorum(int cpus) {
            if (cpus < 0 || cpus > MAX_CPUS) {
                throw invalid("quorum must be 0 (default) or 1-16: " + cpus);
            }
            this.quorum = cpus;
            return this;
        }

        /** See {@link NodeConfig#classPath()}; replaces any earlier one. Error 2 for a blank or relative entry. */
        public Builder classPath(List<String> entries) {
            List<String> checked = new ArrayList<>();
            for (String e : entries) {
                if (e == null || e.isBlank()) {
                    throw invalid("class path entry is empty: " + entries);
                }
                if (!Path.of(e).isAbsolute() || e.indexOf(':') >= 0) {
                    throw invalid("class path entry must be an absolute path without ':': " + e);
                }
                checked.add(e);
            }
            classPath.clear();
            classPath.addAll(checked);
            return this;
        }

        /** See {@link NodeConfig#metricsPort(int)}: 1024-65519, or 0 for none. */
        public Builder metricsPort(int port) {
            if (port != 0 && (port < 1024 || port > 65535 - MAX_CPUS)) {
                throw invalid("metrics port must be 1024-" + (65535 - MAX_CPUS) + ", or 0 for none: " + port);
            }
            this.metricsPort = port;
            return this;
        }

        /**
         * The node key's file; read when the configuration is built, so that a missing (11),
         * unsafe (48) or damaged (2) key file is refused by the command that names it, with its
         * Guardian error, whichever setting named it, and a later setting may still replace it.
         */
        public Builder keyFile(Path file) {
            this.keyFile = file.toAbsolutePath().normalize();
            this.nodeKey = null;
            return this;
        }

        /** A key given in code (an embedded node, a test); no file to hand to launched CPU JVMs. */
        public Builder nodeKey(NodeKey key) {
            this.nodeKey = key;
            this.keyFile = null;
            return this;
        }

        /** The key file named so far, if any, whether or not it can be read. */
        public Optional<Path> keyFileSetting() {
            return Optional.ofNullable(keyFile);
        }

        public NodeConfig build() {
            // Past that, the engine's own detection comes first and the lease buys nothing.
            long beforeHeartbeat = (heartbeatTimeoutSeconds - heartbeatIntervalSeconds) * 1000L;
            if (lease == null) {
                lease = defaultLease(heartbeatIntervalSeconds, heartbeatTimeoutSeconds);
            }
            if (!lease.isZero() && lease.toMillis() >= beforeHeartbeat) {
                throw invalid("lease (" + lease.toMillis() + " ms) must be shorter than the heartbeat timeout less one "
                        + "interval (" + (heartbeatTimeoutSeconds - heartbeatIntervalSeconds) * 1000L + " ms)");
            }
            return new NodeConfig(this);
        }

        static void checkCpu(int cpu) {
            if (cpu < 0 || cpu >= MAX_CPUS) {
                throw invalid("CPU number must be 0-15: " + cpu);
            }
        }

        static void checkHostPort(String hostPort) {
            if (hostPort == null || hostPort.lastIndexOf(':') <= 0) {
                throw invalid("address must be host:port: " + hostPort);
            }
            port(hostPort);
        }

        private static int port(String hostPort) {
            String p = hostPort.substring(hostPort.lastIndexOf(':') + 1);
            try {
                int port = Integer.parseInt(p);
                if (port < 1 || port > 65535) {
                    throw invalid("port must be 1-65535 in " + hostPort);
                }
                return port;
            } catch (NumberFormatException e) {
                throw invalid("port must be a number in " + hostPort);
            }
        }

        static GuardianException invalid(String message) {
            return new GuardianException(GuardianError.INVALID_OPERATION, message);
        }
    }

    /** The host part of a host:port. */
    public static String hostOf(String hostPort) {
        return hostPort.substring(0, hostPort.lastIndexOf(':'));
    }

    /** The port part of a host:port. */
    public static int portOf(String hostPort) {
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }
}
