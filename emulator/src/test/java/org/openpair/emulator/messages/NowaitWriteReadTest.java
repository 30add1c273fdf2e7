package org.openpair.emulator.messages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.openpair.emulator.messages.MessagePrograms.bytes;
import static org.openpair.emulator.messages.MessagePrograms.text;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.ReceivedRequest;
import org.openpair.guardian.SpawnRequest;

/**
 * Nowait WRITEREAD ({@link ProcessFile#writeReadNowait}) on three CPUs in this JVM: requests
 * that no thread waits for, chained from their own replies; the open's depth (28); the errors
 * thrown at once; a timeout and a cancel; a resend after the primary stopped; and a crash of the
 * primary's CPU while many opens have requests in flight.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class NowaitWriteReadTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ProcessName SRV = ProcessName.of("$NWS");

    private EmbeddedNode node;
    private Guardian g;

    @BeforeEach
    void start() {
        MessagePrograms.reset();
        node = EmbeddedNode.start(TestNodes.config(3).build(), 3);
        g = node.cpu(0).guardian();
    }

    @AfterEach
    void close() {
        node.close();
    }

    /** The counter server's primary on CPU 1 with its backup on CPU 2, ready. */
    private ProcessHandle server() {
        ProcessHandle primary = g.processSpawn(SpawnRequest.of(Program.hosted(MessagePrograms.Server.class))
                .name(SRV.toString()).cpu(1).args("2", "64").build());
        TestNodes.await("a ready backup", WAIT, () -> {
            var e = new NodeTables(node.cpu(0).engine()).names().get(SRV.toString());
            return e != null && e.backup() != null && e.ready();
        });
        return primary;
    }

    private static List<ReceivedRequest> held() {
        return MessagePrograms.HELD.getOrDefault(SRV.toString(), List.of());
    }

    private static long number(byte[] reply) {
        return ByteBuffer.wrap(reply).getLong();
    }

    private static int errorOf(ExecutionException e) {
        assertThat(e.getCause()).isInstanceOf(GuardianException.class);
        return ((GuardianException) e.getCause()).error();
    }

    @Test
    void depthInFlight_theNextNowaitIs28_nothingSent_theOpenGoesOn() throws Exception {
        server();
        ProcessFile f = g.fileOpen(SRV, 1);
        CompletableFuture<byte[]> hold = f.writeReadNowait(bytes("hold"), WAIT);
        assertThat(f.syncId()).isEqualTo(1);
        assertThatThrownBy(() -> f.writeReadNowait(bytes("inc"), WAIT))
                .isInstanceOfSatisfying(GuardianException.class, e -> assertThat(e.error()).isEqualTo(28));
        assertThat(f.syncId()).as("the refused request took no sync ID").isEqualTo(1);
        TestNodes.await("the hold request read", WAIT, () -> held().size() == 1);
        held().get(0).reply(bytes("released"));
        assertThat(text(hold.get(WAIT.toSeconds(), TimeUnit.SECONDS))).isEqualTo("released");
        // Nothing else was harmed: the counter was never incremented by the refused request.
        assertThat(number(f.writeReadNowait(bytes("inc"), WAIT).get(WAIT.toSeconds(), TimeUnit.SECONDS))).isEqualTo(1);
        assertThat(number(f.writeRead(bytes("inc"), WAIT))).isEqualTo(2);
        assertThat(f.syncId()).isEqualTo(3);
        assertThat(MessagePrograms.EXECUTED.values()).containsOnly(1);
    }

    @Test
    void badRequests_failAtOnce_withTheirErrors_andTakeNoSyncId() throws Exception {
        server();
        ProcessFile f = g.fileOpen(SRV, 2);
        assertThatThrownBy(() -> f.writeReadNowait(new byte[ProcessFile.MAX_MESSAGE_BYTES + 1], WAIT))
                .isInstanceOfSatisfying(GuardianException.class, e -> assertThat(e.error()).isEqualTo(22));
        assertThat(f.syncId()).isZero();
        assertThat(number(f.writeReadNowait(bytes("inc"), WAIT).get(WAIT.toSeconds(), TimeUnit.SECONDS))).isEqualTo(1);
        f.close();
        assertThatThrownBy(() -> f.writeReadNowait(bytes("inc"), WAIT))
                .isInstanceOfSatisfying(GuardianException.class, e -> assertThat(e.error()).isEqualTo(16));
        try (ProcessFile other = g.fileOpen(SRV, 1)) {
            assertThat(number(other.writeRead(bytes("get"), WAIT))).as("the server is unharmed").isEqualTo(1);
        }
    }

    @Test
    void noReplyWithinTheTimeout_40_theSlotIsFreeAgain() throws Exception {
        server();
        ProcessFile f = g.fileOpen(SRV, 1);
        CompletableFuture<byte[]> hold = f.writeReadNowait(bytes("hold"), Duration.ofMillis(300));
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> hold.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertThat(errorOf(e)).isEqualTo(40);
        assertThat(number(f.writeReadNowait(bytes("inc"), WAIT).get(WAIT.toSeconds(), TimeUnit.SECONDS))).isEqualTo(1);
    }

    @Test
    void cancelled_stopsTheWaitOnly_theSlotStaysTakenUntilTheReplyComes() throws Exception {
        server();
        ProcessFile f = g.fileOpen(SRV, 1);
        CompletableFuture<byte[]> hold = f.writeReadNowait(bytes("hold"), WAIT);
        TestNodes.await("the hold request read", WAIT, () -> held().size() == 1);
        assertThat(hold.cancel(false)).isTrue();
        assertThatThrownBy(() -> f.writeReadNowait(bytes("inc"), WAIT))
                .isInstanceOfSatisfying(GuardianException.class, e -> assertThat(e.error()).isEqualTo(28));
        held().get(0).reply(bytes("late"));
        AtomicReference<CompletableFuture<byte[]>> sent = new AtomicReference<>();
        TestNodes.await("the slot back after the reply", WAIT, () -> {
            try {
                sent.set(f.writeReadNowait(bytes("inc"), WAIT));
                return true;
            } catch (GuardianException e) {
                assertThat(e.error()).isEqualTo(28);
                return false;
            }
        });
        CompletableFuture<byte[]> next = sent.get();
        assertThat(number(next.get(WAIT.toSeconds(), TimeUnit.SECONDS))).isEqualTo(1);
        assertThatThrownBy(hold::join).isInstanceOf(CancellationException.class);
    }

    @Test
    void inFlightWhenThePrimaryStops_resentWithTheSameSyncId_answeredByTheNewPrimary() throws Exception {
        ProcessHandle primary = server();
        ProcessFile f = g.fileOpen(SRV, 1);
        assertThat(number(f.writeReadNowait(bytes("inc"), WAIT).get(WAIT.toSeconds(), TimeUnit.SECONDS))).isEqualTo(1);
        CompletableFuture<byte[]> inFlight = f.writeReadNowait(bytes("hold"), WAIT);
        TestNodes.await("the hold request read by the primary", WAIT, () -> held().size() == 1);

        g.processStop(primary);

        TestNodes.await("the resent request read by the new primary", WAIT, () -> held().size() == 2);
        assertThat(held().get(1).info().syncId()).isEqualTo(2);
        assertThat(held().get(1).info().openId()).isEqualTo(held().get(0).info().openId());
        held().get(1).reply(bytes("answered by the new primary"));
        assertThat(text(inFlight.get(WAIT.toSeconds(), TimeUnit.SECONDS))).isEqualTo("answered by the new primary");
        assertThat(f.server().cpu()).isEqualTo(2);
        assertThat(number(f.writeReadNowait(bytes("inc"), WAIT).get(WAIT.toSeconds(), TimeUnit.SECONDS))).isEqualTo(2);
    }

    /**
     * Sixteen opens, each sending its next request from its last reply's completion, so that no
     * thread of the test waits on any of them; the primary's CPU crashes midway. Every count from
     * 1 to the number of requests reaches exactly one request, and every chain runs to its end.
     */
    @Test
    void chainsOfNowaitRequests_primaryCpuCrashesMidway_everyCountReachesExactlyOneRequest() throws Exception {
        int opens = 16;
        int perOpen = 150;
        server();
        Queue<Long> received = new ConcurrentLinkedQueue<>();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger replies = new AtomicInteger();
        List<CompletableFuture<Void>> chains = new ArrayList<>();
        List<ProcessFile> files = new ArrayList<>();
        for (int c = 0; c < opens; c++) {
            ProcessFile f = g.fileOpen(SRV, 1);
            files.add(f);
            CompletableFuture<Void> done = new CompletableFuture<>();
            chains.add(done);
            next(f, perOpen, received, failures, replies, done);
        }
        TestNodes.await("600 replies", WAIT, () -> replies.get() >= 600 || !failures.isEmpty());
        assertThat(failures).isEmpty();
        node.cpu(1).crash();
        CompletableFuture.allOf(chains.toArray(CompletableFuture[]::new)).get(2 * WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(failures).isEmpty();
        assertThat(received.stream().sorted().toList())
                .containsExactlyElementsOf(LongStream.rangeClosed(1, (long) opens * perOpen).boxed().toList());
        assertThat(g.processGetPairInfo(SRV).primary().cpu()).as("the backup took over").isEqualTo(2);
        files.forEach(ProcessFile::close);
    }

    /** Sends the open's next "inc" and, from its reply, the one after, until {@code left} are done. */
    private static void next(ProcessFile f, int left, Queue<Long> received, Queue<Throwable> failures,
                             AtomicInteger replies, CompletableFuture<Void> done) {
        if (left == 0) {
            done.complete(null);
            return;
        }
        CompletableFuture<byte[]> reply;
        try {
            reply = f.writeReadNowait(bytes("inc"), WAIT);
        } catch (RuntimeException e) {
            failures.add(e);
            done.completeExceptionally(e);
            return;
        }
        reply.whenComplete((r, e) -> {
            if (e != null) {
                failures.add(e);
                done.completeExceptionally(e);
                return;
            }
            received.add(number(r));
            replies.incrementAndGet();
            next(f, left - 1, received, failures, replies, done);
        });
    }
}
