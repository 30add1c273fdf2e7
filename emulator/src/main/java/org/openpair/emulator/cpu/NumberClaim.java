package org.openpair.emulator.cpu;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;

import org.openpair.emulator.cluster.Membership;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.events.Event;
import org.openpair.emulator.events.EventLog;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.security.SealedTable;
import org.openpair.emulator.threads.Clock;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * A CPU's claim on its number: its record in the node's CPU table, which names the member that
 * holds the number, and the record's upkeep. The record is the CPU's own truth: should it vanish
 * while the CPU lives and sees the quorum (a CPU that was cut off retired it on a stale view, and
 * the engine carried the removal into the node after the merge), the CPU writes it again, so it
 * stays listed as up and chosen for backups. On a node with a key the record is sealed, and a
 * forged or replayed one is written over the same way: the record's truth is this CPU's.
 */
final class NumberClaim implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(NumberClaim.class.getName());
    /** How often the CPU looks at its record. */
    static final Duration UPKEEP_PERIOD = Duration.ofSeconds(1);

    private final NodeConfig config;
    private final int number;
    private final NodeTables tables;
    private final Membership membership;
    private final CpuLossSweeper sweeper;
    private final IntSupplier linkPort;
    private volatile NodeTables.CpuRecord claimed;
    private volatile Clock.Periodic upkeep;

    NumberClaim(NodeConfig config, int number, NodeTables tables, Membership membership, CpuLossSweeper sweeper,
                IntSupplier linkPort) {
        this.config = config;
        this.number = number;
        this.tables = tables;
        this.membership = membership;
        this.sweeper = sweeper;
        this.linkPort = linkPort;
    }

    /**
     * Claims the number for this member: a record left by a holder that is gone is retired
     * first.
     *
     * @throws GuardianException 12 the number is held by a live CPU, or being claimed elsewhere now
     */
    void claim() {
        UUID self = membership.localMember();
        NodeTables.CpuRecord mine = new NodeTables.CpuRecord(number, self.toString(),
                config.cpuAddresses().get(number), Instant.now(), linkPort.getAsInt());
        for (int attempt = 0; attempt < 10; attempt++) {
            NodeTables.CpuRecord held = tables.cpus().putIfAbsent(number, mine);
            if (held == null) {
                claimed = mine;
                return;
            }
            if (memberUuids().contains(held.memberUuid())) {
                throw new GuardianException(GuardianError.IN_USE, "CPU " + number + " is already up in node \\"
                        + config.nodeName() + " at " + held.address() + " (since " + held.started() + ")");
            }
            // The holder left the node without its record being cleared: retire what it left behind.
            sweeper.sweep(held.cpu(), held.memberUuid(), "CPU " + number + " failed");
            if (tables.cpus().replace(number, held, mine)) {
                claimed = mine;
                return;
            }
        }
        throw new GuardianException(GuardianError.IN_USE, "CPU " + number + " is being started elsewhere at the same time");
    }

    /** Starts looking after the record, every {@link #UPKEEP_PERIOD} on {@code clock}. */
    void keepUp(Clock clock) {
        upkeep = clock.everyAfter(UPKEEP_PERIOD, "cpu" + number + "-claim", this::restoreIfGone);
    }

    /**
     * Writes the record again if it is gone while this member holds the number and sees the
     * quorum; on a node with a key, also if it is forged (its seal fails: a link port pointing
     * elsewhere would redirect this CPU's traffic) or an authentic record other than this
     * CPU's own (an old one of this number written again).
     */
    void restoreIfGone() {
        NodeTables.CpuRecord mine = claimed;
        try {
            if (mine == null || !membership.isRunning() || membership.cpuMembers().size() < config.quorum()
                    || !mine.memberUuid().equals(membership.localMember().toString())) {
                return;
            }
            SealedTable<Integer, NodeTables.CpuRecord> cpus = tables.cpuRecords();
            SealedTable.Reading<NodeTables.CpuRecord> seen = cpus.read(number);
            String found = switch (seen.state()) {
                case ABSENT -> "gone";
                case FORGED -> "forged or altered (no valid seal)";
                case AUTHENTIC -> !cpus.keyed() || mine.equals(seen.value()) ? null
                        : "replaced by an older record (member " + seen.value().memberUuid() + ", link port "
                        + seen.value().linkPort() + ")";
            };
            if (found != null && cpus.restore(number, seen.raw(), mine)) {
                LOG.log(System.Logger.Level.WARNING, "CPU {0}: its record in the CPU table was {1} while it "
                        + "runs; written again", number, found);
                if (cpus.keyed()) {
                    EventLog.emit(config.nodeName(), number, new Event.RecordRepaired("CPU table",
                            String.valueOf(number), found, "member " + mine.memberUuid() + ", link port "
                            + mine.linkPort()));
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "CPU {0}: could not look at its record: {1}", number, e.toString());
        }
    }

    Set<String> memberUuids() {
        return membership.cpuMembers().stream().map(m -> m.member().toString()).collect(Collectors.toSet());
    }

    @Override
    public void close() {
        claimed = null;
        Clock.Periodic p = upkeep;
        if (p != null) {
            p.close();
        }
    }
}
