package org.openpair.emulator.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.cluster.InMemoryMembership;
import org.openpair.emulator.cluster.InMemoryTables;
import org.openpair.emulator.cluster.Membership;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.Program;
import org.openpair.guardian.TerminationCause;

/**
 * A CPU retires the processes of a CPU it saw leave only when its view is the node's: with the
 * quorum in sight. Alone (a thawed CPU, the small side of a split) it retires nothing, since the
 * CPU it saw leave may live on in the majority. Found by {@code guardian chaos} (seed
 * 158349552151976, fault 135): a frozen CPU, thawed alone, retired the record of a live CPU,
 * the removal reached the node's table after the merge, and the node never listed that CPU up
 * again.
 */
class CpuLossSweeperTest {
    private static final Duration BOUND = Duration.ofSeconds(30);
    private final InMemoryTables store = new InMemoryTables(NodeEngineSettings.codecs());
    private final NodeTables tables = new NodeTables(store);
    private CpuLossSweeper sweeper;

    @AfterEach
    void close() {
        if (sweeper != null) {
            sweeper.close();
        }
        store.close();
    }

    /** CPU 1 as the node's tables know it: its record and one unnamed process. */
    private ProcessHandle listCpu1(Membership.CpuMember cpu1) {
        tables.cpus().set(1, new NodeTables.CpuRecord(1, cpu1.member().toString(), cpu1.address(), Instant.EPOCH, 4000));
        ProcessHandle p = new ProcessHandle("N", 1, 5, 55);
        String key = NodeTables.processKey(p);
        tables.processes().set(key, new ProcessInfo(p, null, Program.hosted("x.Server"), 150, 0, Instant.EPOCH, null, null));
        tables.cpuProcesses().put(1, key);
        return p;
    }

    private static Membership.CpuMember member(InMemoryMembership view, int cpu) {
        return view.cpuMembers().stream().filter(m -> m.cpu() == cpu).findFirst().orElseThrow();
    }

    @Test
    void aCpuAloneBelowTheQuorum_retiresNothingOfTheCpuItSawLeave() throws Exception {
        InMemoryMembership view = new InMemoryMembership(2, 0, 1);
        Membership.CpuMember cpu1 = member(view, 1);
        ProcessHandle p = listCpu1(cpu1);
        sweeper = new CpuLossSweeper(tables, view, 2, null, 2);
        view.onCpuLeft(sweeper::cpuLeft);

        view.leave(0);
        view.leave(1);
        assertThat(sweeper.awaitQueued(BOUND)).isTrue();

        assertNothingRetired(p);
    }

    private void assertNothingRetired(ProcessHandle p) {
        assertThat(tables.cpus().get(1)).as("CPU 1's record").isNotNull();
        assertThat(tables.processes().get(NodeTables.processKey(p))).as("its process").isNotNull();
        assertThat(tables.terminations().get(NodeTables.terminationKey(p))).isNull();
    }

    @Test
    void aCpuWithTheQuorumInSight_retiresTheLostCpusProcessesAndRecord() throws Exception {
        InMemoryMembership view = new InMemoryMembership(2, 0, 1);
        Membership.CpuMember cpu1 = member(view, 1);
        ProcessHandle p = listCpu1(cpu1);
        sweeper = new CpuLossSweeper(tables, view, 2, null, 2);
        view.onCpuLeft(sweeper::cpuLeft);

        view.leave(1);
        assertThat(sweeper.awaitQueued(BOUND)).isTrue();

        assertThat(tables.cpus().get(1)).as("CPU 1's record").isNull();
        assertThat(tables.processes().get(NodeTables.processKey(p))).isNull();
        assertThat(tables.cpuProcesses().get(1)).isEmpty();
        assertThat(tables.terminations().get(NodeTables.terminationKey(p)).cause()).isEqualTo(TerminationCause.CPU_DOWN);
    }

    @Test
    void aCpuWhoseOwnLeaseEnded_retiresNothing_evenWithTheQuorumInItsStaleView() throws Exception {
        InMemoryMembership view = new InMemoryMembership(3, 0, 1, 2);
        Membership.CpuMember cpu1 = member(view, 1);
        ProcessHandle p = listCpu1(cpu1);
        sweeper = new CpuLossSweeper(tables, view, 2, null, 2, () -> false, Duration.ofMillis(200));
        view.onCpuLeft(sweeper::cpuLeft);

        // Thawed after a pause longer than its lease: CPUs 0 and 2 still in its view, CPU 1 gone from it.
        view.leave(1);
        assertThat(sweeper.awaitQueued(BOUND)).isTrue();

        assertNothingRetired(p);
    }

    @Test
    void aDepartureSeenWhileTheLeaseIsNotHeld_isRetiredOnceItIsHeldAgain() throws Exception {
        InMemoryMembership view = new InMemoryMembership(3, 0, 1, 2);
        Membership.CpuMember cpu1 = member(view, 1);
        ProcessHandle p = listCpu1(cpu1);
        AtomicBoolean held = new AtomicBoolean();
        sweeper = new CpuLossSweeper(tables, view, 2, null, 2, held::get, BOUND);
        view.onCpuLeft(sweeper::cpuLeft);

        view.leave(1);
        assertThat(tables.processes().get(NodeTables.processKey(p))).as("not yet: the lease is not held").isNotNull();
        held.set(true);
        assertThat(sweeper.awaitQueued(BOUND)).isTrue();

        assertThat(tables.processes().get(NodeTables.processKey(p))).isNull();
        assertThat(tables.terminations().get(NodeTables.terminationKey(p)).cause()).isEqualTo(TerminationCause.CPU_DOWN);
    }
}
