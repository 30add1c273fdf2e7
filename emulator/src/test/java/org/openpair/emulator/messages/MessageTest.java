package org.openpair.emulator.messages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.openpair.emulator.messages.MessagePrograms.bytes;
import static org.openpair.emulator.messages.MessagePrograms.text;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.emulator.link.LinkReply;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.process.TestPrograms;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.StopScope;
import org.openpair.guardian.SystemMessage;

/** The message system on three CPUs in this JVM: opens, WRITEREAD, $RECEIVE, takeover paths. */
class MessageTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ProcessName SRV = ProcessName.of("$SRV");

    private EmbeddedNode node;
    private Guardian g;

    @BeforeEach
    void start() {
        MessagePrograms.reset();
        node = EmbeddedNode.start(TestNodes.config(3).build(), 3);
        g = node.cpu(2).guardian();
    }

    @AfterEach
    void close() {
        node.close();
    }

    /** The counter server on CPU 0, with its backup on CPU 1 ("none": single). */
    private ProcessHandle server(String backupCpu, int receiveDepth) {
        ProcessHandle primary = g.processSpawn(SpawnRequest.of(Program.hosted(MessagePrograms.Server.class))
                .name(SRV.toString()).cpu(0).args(backupCpu, Integer.toString(receiveDepth)).build());
        if (!backupCpu.equals("none")) {
            await("a ready backup", () -> {
                var e = new NodeTables(node.cpu(0).engine()).names().get(SRV.toString());
                return e != null && e.backup() != null && e.ready();
            });
        }
        return primary;
    }

    private static long number(byte[] reply) {
        return ByteBuffer.wrap(reply).getLong();
    }

    private static List<ReceivedHold> held() {
        return MessagePrograms.HELD.getOrDefault(SRV.toString(), List.of()).stream().map(ReceivedHold::new).toList();
    }

    private record ReceivedHold(org.openpair.guardian.ReceivedRequest r) {
    }

    @Test
    void writeRead_repliesInOrder_syncIdsRise_receiveInfoNamesTheOpener_openAndCloseMessages() {
        ProcessHandle primary = server("none", 4);
        ProcessHandle opener = g.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class))
                .cpu(2).build());
        // -103 is promised for opens that arrive once the server opened $RECEIVE with system
        // messages; a loaded run saw the open win that race and the -103 never come.
        await("the server to open $RECEIVE", () -> MessagePrograms.RECEIVING.contains(SRV.toString()));
        ProcessFile f = node.cpu(2).guardianAs(opener).fileOpen(SRV, 1);
        assertThat(f.server()).isEqualTo(primary);
        assertThat(f.syncId()).isZero();
        for (int i = 1; i <= 20; i++) {
            assertThat(number(f.writeRead(bytes("inc"), WAIT))).isEqualTo(i);
            assertThat(f.syncId()).isEqualTo(i);
        }
        String[] info = text(f.writeRead(bytes("info"), WAIT)).split("\\|");
        assertThat(info[0]).isEqualTo(opener.toString());
        assertThat(Long.parseLong(info[1])).isEqualTo(((ProcessOpen) f).openId());
        assertThat(info[2]).isEqualTo("21");
        assertThat(info[3]).isEqualTo("1");
        f.close();
        // A -3 (CPU up) is no part of this: CPU 2's announcement of itself may reach the server's
        // CPU after the server started (it did on a loaded machine), and it says nothing of opens.
        java.util.function.Supplier<List<Integer>> read = () -> opensAndCloses(MessagePrograms.MESSAGES
                .getOrDefault(SRV.toString(), List.of())).stream().map(SystemMessage::number).toList();
        try {
            await("-103 then -104 at the server", () -> read.get().equals(List.of(-103, -104)));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; the server read " + MessagePrograms.MESSAGES.get(SRV.toString())
                    + ", its errors " + MessagePrograms.ERRORS.get(SRV.toString()), e);
        }
        SystemMessage.ProcessOpen open = (SystemMessage.ProcessOpen) opensAndCloses(
                MessagePrograms.MESSAGES.get(SRV.toString())).get(0);
        assertThat(open.opener()).isEqualTo(opener);
        assertThat(open.syncDepth()).isEqualTo(1);
        assertError(16, () -> f.writeRead(bytes("inc"), WAIT));
        // An operator's open has no opener process.
        try (ProcessFile op = g.fileOpen(SRV, 0)) {
            assertThat(text(op.writeRead(bytes("info"), WAIT))).startsWith("null|");
        }
    }

    /**
     * A server may reuse its reply buffer once reply() returns. The reply leaves only when the
     * backup holds it, later, on a link thread: it must be the bytes the server gave and the
     * backup saved, not what the buffer holds by then.
     */
    @Test
    void aReplyBufferReusedAtOnce_theRequesterGetsTheBytesReplied() {
        server("1", 4);
        try (ProcessFile f = g.fileOpen(SRV, 1)) {
            for (int i = 0; i < 5; i++) {
                assertThat(text(f.writeRead(bytes("reuse"), WAIT))).isEqualTo("original");
            }
        }
    }

    @Test
    void inFlightRequest_resentToTheNewPrimary_withTheSameSyncId_executedOnce() throws Exception {
        ProcessHandle primary = server("1", 4);
        ProcessFile f = g.fileOpen(SRV, 1);
        assertThat(number(f.writeRead(bytes("inc"), WAIT))).isEqualTo(1);
        // "hold" is read and never answered by this primary: the request is in flight when it dies.
        CompletableFuture<byte[]> inFlight = CompletableFuture.supplyAsync(() -> f.writeRead(bytes("hold"), WAIT));
        await("the hold request read by the primary", () -> held().size() == 1);
        assertThat(held().get(0).r().info().syncId()).isEqualTo(2);

        g.processStop(primary);

        // The new primary holds it too (it was resent, same sync ID), and never replies either: ask it to.
        await("the resent request read by the new primary", () -> held().size() == 2);
        assertThat(held().get(1).r().info().syncId()).isEqualTo(2);
        assertThat(held().get(1).r().info().openId()).isEqualTo(held().get(0).r().info().openId());
        held().get(1).r().reply(bytes("answered by the new primary"));
        assertThat(text(inFlight.get(30, TimeUnit.SECONDS))).isEqualTo("answered by the new primary");
        assertThat(f.server()).isNotEqualTo(primary);
        assertThat(f.server().cpu()).isEqualTo(1);
        // The state came over with the replies: the counter goes on from 1.
        assertThat(number(f.writeRead(bytes("inc"), WAIT))).isEqualTo(2);
        assertThat(f.syncId()).isEqualTo(3);
    }

    @Test
    void zombiePrimary_itsReplyIsRefused_theRequesterGetsTheNewPrimarysAnswer() throws Exception {
        server("1", 4);
        ProcessFile f = g.fileOpen(SRV, 1);
        CompletableFuture<byte[]> inFlight = CompletableFuture.supplyAsync(() -> f.writeRead(bytes("hold"), WAIT));
        await("the hold request read by the primary", () -> held().size() == 1);

        // As after any join: a member lost while partitions still migrate can delay their ownership.
        await("the node's partitions safe", () -> node.cpu(1).engine().hazelcast().getPartitionService().isClusterSafe());
        // CPU 0 vanishes; the primary's program thread lives on in this JVM, as a thawed CPU's would.
        node.cpu(0).crash();

        await("the resent request read by the new primary", () -> held().size() == 2);
        assertThatThrownBy(() -> held().get(0).r().reply(bytes("from the zombie")))
                .isInstanceOfSatisfying(GuardianException.class, e -> assertThat(e.error()).isEqualTo(210));
        held().get(1).r().reply(bytes("from the new primary"));
        assertThat(text(inFlight.get(30, TimeUnit.SECONDS))).isEqualTo("from the new primary");
        assertThat(f.server().cpu()).isEqualTo(1);
    }

    @Test
    void duplicateAfterTakeover_isAnsweredFromTheSavedReply_notExecutedAgain() throws Exception {
        ProcessHandle primary = server("1", 4);
        ProcessOpen f = (ProcessOpen) g.fileOpen(SRV, 2);
        for (int i = 1; i <= 5; i++) {
            f.writeRead(bytes("inc"), WAIT);
        }
        g.processStop(primary);
        PairInfo after = awaitNewPrimary(primary);
        try (RequesterLinks raw = new RequesterLinks(new NodeTables(node.cpu(2).engine()), node.config().nodeName())) {
            // Sync IDs 4 and 5 are within depth 2: answered from the saved replies the backup received.
            for (long syncId : new long[] {4, 5}) {
                byte[] reply = rawRequest(raw, after.primary(), f.openId(), syncId, 2, "inc");
                assertThat(MessageFormat.status(reply)).isZero();
                assertThat(number(MessageFormat.body(reply))).isEqualTo(syncId);
            }
            // Sync ID 3 is older than the saved replies: refused with 2, not executed.
            byte[] old = rawRequest(raw, after.primary(), f.openId(), 3, 2, "inc");
            assertThat(MessageFormat.status(old)).isEqualTo(2);
            assertThat(MessageFormat.message(old)).contains("older");
        }
        assertThat(MessagePrograms.EXECUTED.values()).allMatch(n -> n == 1).hasSize(5);
        assertThat(number(f.writeRead(bytes("inc"), WAIT))).isEqualTo(6);
    }

    @Test
    void syncDepthZero_getsPathDownOnce_thenTheNextRequestReachesTheNewPrimary() throws Exception {
        ProcessHandle primary = server("1", 4);
        ProcessFile f = g.fileOpen(SRV, 0);
        assertThat(number(f.writeRead(bytes("inc"), WAIT))).isEqualTo(1);
        CompletableFuture<byte[]> inFlight = CompletableFuture.supplyAsync(() -> f.writeRead(bytes("hold"), WAIT));
        await("the hold request read", () -> held().size() == 1);

        g.processStop(primary);

        assertThatThrownBy(() -> inFlight.join()).hasCauseInstanceOf(GuardianException.class)
                .cause().satisfies(e -> assertThat(((GuardianException) e).error()).isEqualTo(201));
        assertThat(number(f.writeRead(bytes("inc"), WAIT))).isEqualTo(2);
        assertThat(f.server().cpu()).isEqualTo(1);
        assertThat(held()).hasSize(1);
    }

    @Test
    void noBackup_pathDown_andAgain_thenANewProcessUnderTheName_is60() {
        ProcessHandle primary = server("none", 4);
        ProcessFile f = g.fileOpen(SRV, 1);
        f.writeRead(bytes("inc"), WAIT);
        g.processStop(primary);
        await("the name free", () -> g.lookup(SRV).isEmpty());
        assertError(201, () -> f.writeRead(bytes("inc"), WAIT));
        assertError(201, () -> f.writeRead(bytes("inc"), WAIT));
        ProcessHandle other = server("none", 4);
        assertThat(other).isNotEqualTo(primary);
        assertError(60, () -> f.writeRead(bytes("inc"), WAIT));
        assertError(60, () -> f.writeRead(bytes("get"), WAIT));
        // The new process was not touched by the refused requests.
        try (ProcessFile fresh = g.fileOpen(SRV, 1)) {
            assertThat(number(fresh.writeRead(bytes("get"), WAIT))).isZero();
        }
    }

    @Test
    void timeout_is40_andKeepsTheSyncIdConsumed() {
        server("none", 4);
        ProcessFile f = g.fileOpen(SRV, 1);
        assertError(40, () -> f.writeRead(bytes("hold"), Duration.ofMillis(200)));
        assertThat(f.syncId()).isEqualTo(1);
        assertThat(number(f.writeRead(bytes("inc"), WAIT))).isEqualTo(1);
        assertThat(f.syncId()).isEqualTo(2);
        assertThat(held()).hasSize(1);
        assertThat(held().get(0).r().info().syncId()).isEqualTo(1);
    }

    /**
     * A request waiting unread when its requester gives up (its deadline passed) or closes its
     * open is never handed to the server: the first is answered 40, the second 16, and neither
     * changes anything. Raw requests, so that one can carry no deadline and be cancelled by its
     * open's CLOSE alone.
     */
    @Test
    void requestsWhoseRequesterGaveUp_orWhoseOpenClosed_areNeverExecuted() throws Exception {
        ProcessHandle primary = server("none", 4);
        ProcessFile f = g.fileOpen(SRV, 1);
        var nap = java.util.concurrent.CompletableFuture.supplyAsync(() -> text(f.writeRead(bytes("nap"), WAIT)));
        await("the server to nap", () -> MessagePrograms.NAPPING.contains("$SRV"));
        try (RequesterLinks raw = new RequesterLinks(new NodeTables(node.cpu(2).engine()), node.config().nodeName())) {
            var late = raw.request(0, 7, 1, MessageFormat.request(MessageFormat.WRITEREAD, primary, 1, null,
                    System.currentTimeMillis() + 100, bytes("inc")));
            var cancelled = raw.request(0, 8, 1, MessageFormat.request(MessageFormat.WRITEREAD, primary, 1, null, 0,
                    bytes("inc")));
            byte[] closed = raw.request(0, 8, 2, MessageFormat.request(MessageFormat.CLOSE, primary, 1, null, 0,
                    new byte[0])).get(30, TimeUnit.SECONDS).payload();
            assertThat(MessageFormat.status(closed)).isZero();
            assertThat(MessageFormat.status(cancelled.get(30, TimeUnit.SECONDS).payload())).isEqualTo(16);
            assertThat(MessageFormat.status(late.get(30, TimeUnit.SECONDS).payload())).isEqualTo(40);
        }
        assertThat(nap.get(30, TimeUnit.SECONDS)).isEqualTo("napped");
        assertThat(number(f.writeRead(bytes("get"), WAIT))).isZero();
        assertThat(MessagePrograms.EXECUTED).doesNotContainKeys("7/1", "8/1");
        assertThat(number(f.writeRead(bytes("inc"), WAIT))).isEqualTo(1);
    }

    @Test
    void receiveDepthExceeded_is74_andTheServerGoesOn() {
        server("none", 1);
        ProcessFile f = g.fileOpen(SRV, 1);
        assertThat(text(f.writeRead(bytes("probe"), WAIT))).isEqualTo("74");
        assertThat(number(f.writeRead(bytes("inc"), WAIT))).isEqualTo(1);
    }

    @Test
    void badInput_eachWithItsError_andNothingElseHarmed() throws Exception {
        ProcessHandle primary = server("1", 4);
        ProcessFile f = g.fileOpen(SRV, 1);
        assertThat(number(f.writeRead(bytes("inc"), WAIT))).isEqualTo(1);
        assertError(22, () -> f.writeRead(new byte[ProcessFile.MAX_MESSAGE_BYTES + 1], WAIT));
        assertThat(f.syncId()).isEqualTo(1);
        assertError(14, () -> g.fileOpen(ProcessName.of("$NONE"), 1));
        assertError(22, () -> g.fileOpen(SRV, -1));
        assertError(22, () -> g.fileOpen(SRV, Guardian.MAX_SYNC_DEPTH + 1));
        ProcessHandle unnamed = g.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class)).cpu(2).build());
        try (RequesterLinks raw = new RequesterLinks(new NodeTables(node.cpu(2).engine()), node.config().nodeName())) {
            // Garbage, a process that does not exist, and an unnamed process (no $RECEIVE): refused, nothing harmed.
            LinkReply garbage = raw.request(0, 7, 1, ByteBuffer.wrap(new byte[] {9, 9, 9})).get(30, TimeUnit.SECONDS);
            assertThat(MessageFormat.status(garbage.payload())).isEqualTo(2);
            byte[] gone = rawRequest(raw, new ProcessHandle(node.config().nodeName(), 0, 999, 1), 7, 1, 1, "inc");
            assertThat(MessageFormat.status(gone)).isEqualTo(201);
            byte[] noReceive = rawRequest(raw, unnamed, 7, 1, 1, "inc");
            assertThat(MessageFormat.status(noReceive)).isEqualTo(201);
            // The server's verifier with another PIN: a request names its process by both.
            byte[] otherPin = rawRequest(raw, new ProcessHandle(primary.node(), primary.cpu(), primary.pin() + 1,
                    primary.verifier()), 7, 1, 1, "inc");
            assertThat(MessageFormat.status(otherPin)).isEqualTo(201);
        }
        assertThat(number(f.writeRead(bytes("inc"), WAIT))).isEqualTo(2);
        f.close();
        assertError(16, () -> f.writeRead(bytes("inc"), WAIT));
        f.close();
        g.processStop(SRV);
    }

    @Test
    void badReceiveOpens_depthOutOfRange22_unnamed2_andTheServerStillOpensAndServes() {
        g.processSpawn(SpawnRequest.of(Program.hosted(MessagePrograms.ReceiveProbe.class)).name("$PRB").cpu(0).build());
        g.processSpawn(SpawnRequest.of(Program.hosted(MessagePrograms.ReceiveProbe.class)).cpu(0).build());
        await("the named probe's four opens", () -> MessagePrograms.ERRORS.getOrDefault("$PRB", List.of()).size() == 4);
        assertThat(MessagePrograms.ERRORS.get("$PRB")).containsExactly(22, 22, 22, 0);
        await("the unnamed probe's four opens", () -> MessagePrograms.ERRORS.getOrDefault("unnamed", List.of()).size() == 4);
        assertThat(MessagePrograms.ERRORS.get("unnamed")).containsExactly(2, 2, 2, 2);
        try (ProcessFile f = g.fileOpen(ProcessName.of("$PRB"), 1)) {
            assertThat(text(f.writeRead(bytes("get"), WAIT))).isEqualTo("depth 1");
        }
    }

    @Test
    void counterUnderTakeovers_everyAcknowledgedIncrementAppliedExactlyOnce() throws Exception {
        ProcessHandle primary = server("1", 8);
        ProcessFile f = g.fileOpen(SRV, 1);
        List<Long> seen = new ArrayList<>();
        CompletableFuture<Void> client = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 400; i++) {
                seen.add(number(f.writeRead(bytes("inc"), WAIT)));
            }
        });
        await("some increments", () -> f.syncId() > 100);
        g.processStop(primary);
        client.get(60, TimeUnit.SECONDS);
        List<Long> expected = new ArrayList<>();
        for (long i = 1; i <= 400; i++) {
            expected.add(i);
        }
        assertThat(seen).isEqualTo(expected);
        assertThat(MessagePrograms.EXECUTED).hasSize(400);
        assertThat(MessagePrograms.EXECUTED.values()).allMatch(n -> n == 1);
    }

    private PairInfo awaitNewPrimary(ProcessHandle old) {
        await("a new primary", () -> {
            PairInfo p = g.processGetPairInfo(SRV);
            return p.primary() != null && !p.primary().equals(old);
        });
        return g.processGetPairInfo(SRV);
    }

    private static byte[] rawRequest(RequesterLinks raw, ProcessHandle target, long openId, long syncId, int depth,
                                     String op) throws Exception {
        ByteBuffer payload = MessageFormat.request(MessageFormat.WRITEREAD, target, depth, null, bytes(op));
        return raw.request(target.cpu(), openId, syncId, payload).get(30, TimeUnit.SECONDS).payload();
    }

    private static void assertError(int error, Runnable call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(GuardianException.class,
                e -> assertThat(e.error()).as(e.getMessage()).isEqualTo(error));
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT + ": " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** The server's system messages less the CPU-up notices, which come whenever a CPU announces itself. */
    private static List<SystemMessage> opensAndCloses(List<SystemMessage> read) {
        return read.stream().filter(m -> !(m instanceof SystemMessage.CpuUp)).toList();
    }
}
