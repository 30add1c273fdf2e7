package org.openpair.emulator.messages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.openpair.emulator.messages.MessagePrograms.bytes;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;

/**
 * Many requesters of one server pair whose replies are pipelined (the server reads its next
 * request while earlier replies wait for their checkpoints), so that the checkpoints of
 * concurrent requests share link writes and acks and one ACK releases many replies; then a CPU
 * of the pair crashes while that is under way. Seen from the requesters: the server's count goes
 * up by one per executed request and every reply carries the new count, so a reply that left
 * before the backup held its checkpoint would, after a takeover, be handed out a second time
 * (the backup's count is behind it); and one whose checkpoint the backup held but whose reply
 * was lost is answered from the saved replies on the resend. Every count from 1 to the number
 * of requests must therefore reach exactly one requester. Each requester also looks, as soon
 * as it has a reply, whether the backup holds it already. The pair runs on CPUs 1 and 2 and the
 * requesters on CPU 0, whose member the engine's cluster is led by at the start: a crash of the
 * leader is another test's subject (the engine's own membership), not this one's.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ConcurrentRepliesTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ProcessName SRV = ProcessName.of("$CRS");
    private static final int CLIENTS = 16;
    private static final int PER_CLIENT = 150;
    /** Replies received before the crash. */
    private static final int CRASH_AFTER = 600;

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

    @Test
    void primaryCpuCrashesWhileRepliesWaitForTheirAcks_everyCountReachesExactlyOneRequester() throws Exception {
        List<Long> counts = runClientsAndCrash(1);
        assertThat(counts).containsExactlyElementsOf(LongStream.rangeClosed(1, CLIENTS * PER_CLIENT).boxed().toList());
        assertThat(g.processGetPairInfo(SRV).primary().cpu()).as("the backup took over").isEqualTo(2);
    }

    @Test
    void backupCpuCrashesWhileRepliesWaitForTheirAcks_everyRequestAnswered_eachCountOnce() throws Exception {
        List<Long> counts = runClientsAndCrash(2);
        assertThat(counts).containsExactlyElementsOf(LongStream.rangeClosed(1, CLIENTS * PER_CLIENT).boxed().toList());
        assertThat(g.processGetPairInfo(SRV).primary().cpu()).as("the primary went on alone").isEqualTo(1);
    }

    /** Runs the clients, crashes {@code cpu} after {@link #CRASH_AFTER} replies; returns every count received, sorted. */
    private List<Long> runClientsAndCrash(int cpu) throws Exception {
        g.processSpawn(SpawnRequest.of(Program.hosted(MessagePrograms.Server.class))
                .name(SRV.toString()).cpu(1).args("2", "64").build());
        TestNodes.await("a ready backup", WAIT, () -> {
            var e = new NodeTables(node.cpu(0).engine()).names().get(SRV.toString());
            return e != null && e.backup() != null && e.ready();
        });
        ProcessHandle backup = new NodeTables(node.cpu(0).engine()).names().get(SRV.toString()).backup();
        // The backup's queue itself, taken now: a crash retires the backup from its CPU's table, and a
        // lookup after it would find nothing and fall back to the name entry, which still names the
        // crashed backup until the survivors' sweep (a false "early" under load). Its saved replies
        // stay readable, and a crashed backup accepts no more checkpoints.
        ReceiveQueue backupQueue = node.cpu(backup.cpu()).processTable().receivers().find(backup.pin(), backup.verifier());
        assertThat(backupQueue).as("the backup's $RECEIVE").isNotNull();
        Queue<Long> received = new ConcurrentLinkedQueue<>();
        Queue<String> early = new ConcurrentLinkedQueue<>();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger replies = new AtomicInteger();
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try (ProcessFile f = g.fileOpen(SRV, 1)) {
                    for (int i = 0; i < PER_CLIENT; i++) {
                        long count = ByteBuffer.wrap(f.writeRead(bytes("inc"), WAIT)).getLong();
                        // Before this open's next request can replace it there: the reply is saved at the backup.
                        if (!heldOrDropped(backup, backupQueue, ((ProcessOpen) f).openId(), f.syncId())) {
                            early.add("count " + count + " (sync ID " + f.syncId() + ") before the backup held it");
                        }
                        received.add(count);
                        replies.incrementAndGet();
                    }
                    done.complete(null);
                } catch (Throwable e) {
                    failures.add(e);
                    done.completeExceptionally(e);
                }
            }, "test-client-" + c);
            t.setDaemon(true);
            t.start();
            clients.add(done);
        }
        TestNodes.await(CRASH_AFTER + " replies", WAIT, () -> replies.get() >= CRASH_AFTER || !failures.isEmpty());
        assertThat(failures).isEmpty();
        node.cpu(cpu).crash();
        CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(2 * WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(failures).isEmpty();
        assertThat(early).isEmpty();
        return received.stream().sorted().toList();
    }

    /**
     * Whether the original backup holds this reply (its saved replies, filled as each checkpoint
     * is accepted), or the name table no longer counts on it: a primary goes on alone only after
     * the name marked a backup that may have missed a checkpoint as lagging.
     */
    private boolean heldOrDropped(ProcessHandle backup, ReceiveQueue q, long openId, long syncId) {
        if (q.pair().savedReplies().saved(openId, syncId) != null) {
            return true;
        }
        // Marked lagging (not ready) or detached; as the primary after a takeover it must hold it.
        var e = new NodeTables(node.cpu(0).engine()).names().get(SRV.toString());
        return e != null && (backup.equals(e.backup()) ? !e.ready() : !backup.equals(e.primary()));
    }
}
