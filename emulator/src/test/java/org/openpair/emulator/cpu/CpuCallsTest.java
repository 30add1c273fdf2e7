package org.openpair.emulator.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.process.TestPrograms;
import org.openpair.emulator.link.LinkClient;
import org.openpair.emulator.link.LinkReply;
import org.openpair.emulator.node.CpuCallCodecs;
import org.openpair.emulator.node.CpuTask;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.TerminationCause;

/**
 * Calls between CPUs over the CPU link: a spawn and a stop on another CPU take the link, a
 * refusal there arrives as the same Guardian error, and what a CPU cannot read is answered
 * with an error while the link and the CPU go on serving.
 */
class CpuCallsTest {
    private static final long BOUND_SECONDS = 30;
    private EmbeddedNode node;
    private Guardian g;

    @BeforeEach
    void start() {
        node = EmbeddedNode.start(TestNodes.config(2).build(), 2);
        g = node.cpu(0).guardian();
    }

    @AfterEach
    void close() {
        node.close();
    }

    private ProcessHandle spawnOnCpu1() {
        return g.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class)).cpu(1).build());
    }

    @Test
    void spawnAndStopOnAnotherCpu_goOverTheLink() {
        // The first call may find no link up yet (the engine carries it, and the link is made).
        ProcessHandle warmUp = spawnOnCpu1();
        TestNodes.await("CPU 0's link to CPU 1", java.time.Duration.ofSeconds(BOUND_SECONDS),
                () -> node.cpu(0).calls().linkedTo(1));
        long before = node.cpu(1).calls().served();

        ProcessHandle p = spawnOnCpu1();
        g.processStop(p);
        g.processStop(warmUp);
        assertStopped(p);

        assertThat(p.cpu()).isEqualTo(1);
        assertThat(node.cpu(1).calls().served()).as("calls CPU 1 ran from the link").isGreaterThanOrEqualTo(before + 2);
    }

    @Test
    void aRefusalOnTheOtherCpu_arrivesAsItsGuardianError() throws Exception {
        ProcessHandle gone = spawnOnCpu1();
        g.processStop(gone);
        TestNodes.await("CPU 0's link to CPU 1", java.time.Duration.ofSeconds(BOUND_SECONDS),
                () -> node.cpu(0).calls().linkedTo(1));

        CpuTask.Reply<?> refused = node.cpu(0).calls().send(1, new CpuTask.Stop(gone, null))
                .get(BOUND_SECONDS, TimeUnit.SECONDS);

        assertThat(refused.error()).isEqualTo(GuardianError.NO_SUCH_DEVICE.number());
        assertThat(refused.message()).contains(gone.toString());
        assertThatThrownBy(refused::valueOrThrow).isInstanceOfSatisfying(GuardianException.class,
                e -> assertThat(e.guardianError()).isEqualTo(GuardianError.NO_SUCH_DEVICE));
    }

    @Test
    void unreadableCalls_areAnsweredWithAnError_andTheLinkAndCpuCarryOn() throws Exception {
        NodeTables.CpuRecord cpu1 = new NodeTables(node.cpu(0).engine()).cpus().get(1);
        List<byte[]> bad = List.of(
                new byte[0],
                "not a call at all".getBytes(StandardCharsets.UTF_8),
                new byte[] {0, 0, 0x7f, 0x7f, 1, 2, 3},
                CpuCallCodecs.REPLY.encode(new CpuTask.Reply<>(null, 0, null)));
        try (LinkClient raw = LinkClient.connect("127.0.0.1", cpu1.linkPort(), node.config().nodeName(), 0)) {
            long syncId = 0;
            for (byte[] payload : bad) {
                LinkReply r = raw.request(CpuCalls.OPEN, ++syncId, ByteBuffer.wrap(payload))
                        .get(BOUND_SECONDS, TimeUnit.SECONDS);
                CpuTask.Reply<?> reply = CpuCallCodecs.REPLY.decode(r.payload());
                assertThat(reply.error()).as("the answer to %d bytes", payload.length)
                        .isEqualTo(GuardianError.INVALID_OPERATION.number());
                assertThat(reply.message()).contains("cannot read the call");
            }
            // The same connection still carries a good call, answered with its value.
            SpawnRequest spawn = SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class)).cpu(1).build();
            LinkReply r = raw.request(CpuCalls.OPEN, ++syncId, ByteBuffer.wrap(
                    CpuCallCodecs.CALL.encode(new CpuTask.Spawn(spawn, null)))).get(BOUND_SECONDS, TimeUnit.SECONDS);
            CpuTask.Reply<?> spawned = CpuCallCodecs.REPLY.decode(r.payload());
            assertThat(spawned.error()).isZero();
            ProcessHandle p = ((ProcessInfo) spawned.value()).handle();
            g.processStop(p);
            assertStopped(p);
        }
    }

    private void assertStopped(ProcessHandle p) {
        NodeTables tables = new NodeTables(node.cpu(0).engine());
        TestNodes.await(p.cpuPin() + "'s death record", java.time.Duration.ofSeconds(BOUND_SECONDS),
                () -> tables.terminations().get(NodeTables.terminationKey(p)) != null);
        assertThat(tables.terminations().get(NodeTables.terminationKey(p)).cause()).isEqualTo(TerminationCause.STOPPED);
    }
}
