package org.openpair.chaos;

import java.nio.file.Path;
import java.time.Duration;

import org.openpair.emulator.config.NodeConfig;
import org.openpair.guardian.GuardianException;

/**
 * The settings of a chaos run, checked when made.
 *
 * @param seed              the fault plan's seed
 * @param faults            how many faults, 1-10,000
 * @param cpus              CPU JVMs of the node, 3-16 (three at least, so that one CPU down leaves a quorum)
 * @param clientsPerPair    concurrent clients of each pair, 1-64
 * @param ratePerClient     requests a second each client sends at most, 1-100,000; 0 sends without
 *                          pause. A paced run keeps the CPUs' CPU time and the ledgers' journals
 *                          (two entries a transfer, kept for the check) in proportion to its length,
 *                          so a long run measures faults rather than an overloaded, full heap
 * @param heartbeatSeconds  the node's heartbeat timeout, 2-60 s
 * @param leaseMillis       the CPUs' lease ({@code lease-millis}), 0 for none; with one, the plan's
 *                          pauses fall just below and just above it
 * @param requestTimeout    each WRITEREAD's timeout, after which its outcome is unknown
 * @param maxDuration       the whole run's bound: clients stop and no fault starts after it
 * @param logDir            where the CPUs and processes log (null only until {@link #withLogDir})
 * @param namespaces        run each CPU in a network namespace of its own, so that partitions can
 *                          be made (needs root and iproute2; without them, or if false, every CPU
 *                          is on 127.0.0.1 and the partition faults are skipped with the reason)
 */
public record ChaosSettings(long seed, int faults, int cpus, int clientsPerPair, int ratePerClient,
                            int heartbeatSeconds, long leaseMillis,
                            Duration requestTimeout, Duration maxDuration, Path logDir, boolean namespaces) {

    /** Requests a second per client unless told otherwise: 6 clients make 600 a second. */
    public static final int DEFAULT_RATE = 100;

    public ChaosSettings {
        check("faults", faults, 1, 10_000);
        check("cpus", cpus, 3, 16);
        check("clients per pair", clientsPerPair, 1, 64);
        if (ratePerClient != 0) {
            check("requests a second per client", ratePerClient, 1, 100_000);
        }
        check("heartbeat timeout", heartbeatSeconds, 2, 60);
        try {
            // The node's own rule for a lease (a minimum, and shorter than the heartbeat timeout
            // less the chaos node's one-second interval), so that a run never starts to fail late.
            NodeConfig.builder().heartbeat(1, heartbeatSeconds).lease(Duration.ofMillis(leaseMillis)).build();
        } catch (GuardianException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("request timeout must be positive: " + requestTimeout);
        }
        if (maxDuration.isNegative() || maxDuration.isZero()) {
            throw new IllegalArgumentException("run bound must be positive: " + maxDuration);
        }
    }

    /** These settings with the CPUs' logs in {@code dir}. */
    public ChaosSettings withLogDir(Path dir) {
        return new ChaosSettings(seed, faults, cpus, clientsPerPair, ratePerClient, heartbeatSeconds, leaseMillis,
                requestTimeout, maxDuration, dir, namespaces);
    }

    private static void check(String what, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(what + " must be " + min + "-" + max + ": " + value);
        }
    }
}
