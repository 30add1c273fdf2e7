package org.openpair.emulator.cpu;

import java.time.Duration;

import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.link.LinkClient;
import org.openpair.emulator.link.LinkException;
import org.openpair.emulator.link.LinkOptions;
import org.openpair.emulator.link.Verdict;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * What a starting CPU says about its node key, and the check that it holds the same key as
 * the CPUs already up. The engine lets any member in (it has no authentication), so a CPU
 * given the wrong key would join it and then find every link refused; it is better told at
 * once and stopped, before it claims its number, than left running unable to serve a pair.
 */
final class KeyCheck {
    private static final System.Logger LOG = System.getLogger(Cpu.class.getName());
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

    private KeyCheck() {
    }

    /** One line at start: the key's fingerprint, or a WARNING naming what is open without one. */
    static void announce(NodeConfig config, int number) {
        config.nodeKey().ifPresentOrElse(
                key -> LOG.log(System.Logger.Level.INFO, "CPU {0} of \\{1}: node key {2} ({3}); links, admin "
                        + "connections and engine calls must prove it", number, config.nodeName(), key.fingerprint(),
                        config.keyFile().map(f -> "from " + f).orElse("given in code")),
                () -> LOG.log(System.Logger.Level.WARNING, "CPU {0} of \\{1} runs without a node key: whoever reaches "
                        + "its link port or the engine port {2} may act as a CPU or an operator of the node (give "
                        + "--key-file; see docs/security.md)", number, config.nodeName(), config.cpuAddresses().get(number)));
    }

    /**
     * Tries the link of each CPU the table lists, with this CPU's key (or none), until one lets
     * it in. The table is read as stored, seals unchecked: with the wrong key every record would
     * look forged and there would be nobody to ask. A CPU that cannot be reached says nothing
     * about the key and is passed over; if none lets it in and one refused it for a key
     * mismatch, this is error 48. No CPU up: nothing to check against. A stranger who writes the
     * table can thus keep a CPU out (it stops), never let one in.
     */
    static void againstPeers(NodeConfig config, int number, NodeTables tables) {
        GuardianException mismatch = null;
        for (NodeTables.CpuRecord record : new NodeTables(tables.engine()).cpus().values()) {
            if (record.cpu() == number || record.linkPort() == 0) {
                continue;
            }
            try (LinkClient link = LinkClient.connect(NodeConfig.hostOf(record.address()), record.linkPort(),
                    config.nodeName(), number, LinkOptions.defaults().withConnectTimeout(CONNECT_TIMEOUT)
                            .withKey(config.nodeKey().orElse(null)))) {
                return;
            } catch (LinkException e) {
                if (e.reason().filter(Verdict.KEY_MISMATCH::equals).isPresent()) {
                    mismatch = new GuardianException(GuardianError.SECURITY, "CPU " + number + " of \\"
                            + config.nodeName() + ": node key mismatch with CPU " + record.cpu() + " at "
                            + record.address() + ": " + config.nodeKey().map(k -> "this CPU's key " + k.fingerprint()
                                    + " is not the node's").orElse("the node has a key and this CPU none")
                            + " (compare 'guardian key show' on both machines)");
                    continue;
                }
                LOG.log(System.Logger.Level.DEBUG, "CPU {0}: key check against CPU {1} inconclusive: {2}", number,
                        record.cpu(), e.getMessage());
            }
        }
        if (mismatch != null) {
            throw mismatch;
        }
    }
}
