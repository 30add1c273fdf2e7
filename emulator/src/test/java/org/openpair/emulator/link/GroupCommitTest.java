package org.openpair.emulator.link;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Group commit on the CPU link, over real sockets on 127.0.0.1: many senders share one
 * checkpoint stream, as the requests of one server pair do; while a checkpoint is in flight the
 * ones sent meanwhile are queued and leave in one write, the backup answers each read with one
 * cumulative ACK, and a reply (here: the sender going on after its future completed) is
 * released only once the backup holds its checkpoint. The backup's end is killed in the middle
 * of a batch: what the senders were told succeeded must be held, what they were not told must
 * fail with the link's end, never hang, and no reply may have gone out early.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GroupCommitTest {
    private static final String NODE = "TEST";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int SENDERS = 16;
    /** Checkpoints per sender at most; the kill comes long before the last. */
    private static final int PER_SENDER = 20_000;
    /** The backup stops in the middle of the batch that holds this checkpoint, and is killed there. */
    private static final int KILL_AT = 20_000;

    @AutoClose
    private final Opened toClose = new Opened();

    @Test
    void concurrentCheckpoints_backupKilledMidBatch_everyAcknowledgedOneIsHeld_noReplyBeforeItsAck() throws Exception {
        Set<Long> held = ConcurrentHashMap.newKeySet();
        AtomicInteger accepted = new AtomicInteger();
        CountDownLatch stopped = new CountDownLatch(1);
        CountDownLatch killed = new CountDownLatch(1);
        Queue<String> badPayloads = new ConcurrentLinkedQueue<>();
        LinkServer backup = LinkServer.start("127.0.0.1", 0, NODE, 1, (stream, epoch, seq, payload) -> {
            if (payload.remaining() != Long.BYTES || payload.getLong(payload.position()) <= 0) {
                badPayloads.add("seq " + seq + ": " + payload.remaining() + " bytes");
            }
            held.add(seq);
            if (accepted.incrementAndGet() == KILL_AT) {
                // Held, but its ACK (and that of the batch read with it) never goes: the
                // connection dies before this read's frames are done.
                stopped.countDown();
                awaitLatch(killed);
            }
            return Verdict.ACCEPT;
        }, LinkOptions.defaults());
        toClose.add(backup);
        LinkClient primary = LinkClient.connect("127.0.0.1", backup.port(), NODE, 0, WAIT);
        toClose.add(primary);
        CheckpointStream stream = primary.open(9, 1, 1);
        Object sendLock = new Object();

        Queue<String> early = new ConcurrentLinkedQueue<>();
        Queue<Long> released = new ConcurrentLinkedQueue<>();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger tag = new AtomicInteger();
        List<CompletableFuture<Void>> senders = new ArrayList<>();
        for (int t = 0; t < SENDERS; t++) {
            senders.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < PER_SENDER; i++) {
                    CompletableFuture<Long> acked;
                    // One sender lock, as a pair member's: seqs leave in the order they are taken.
                    synchronized (sendLock) {
                        acked = stream.send(ByteBuffer.allocate(Long.BYTES).putLong(0, tag.incrementAndGet()));
                    }
                    long seq;
                    try {
                        seq = acked.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                    } catch (ExecutionException e) {
                        failures.add(e.getCause());
                        return;
                    } catch (InterruptedException | TimeoutException e) {
                        failures.add(e);
                        return;
                    }
                    // The requester's view: its reply is out now, so the backup must hold it already.
                    if (!held.contains(seq)) {
                        early.add("seq " + seq + " acknowledged before the backup held it");
                    }
                    released.add(seq);
                }
            }, runner(t)));
        }

        assertThat(stopped.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the backup reached checkpoint " + KILL_AT).isTrue();
        assertThat(stream.inFlight()).as("checkpoints in flight at the kill").isPositive();
        Thread killer = new Thread(backup::close, "test-kill-backup");
        killer.start();
        CompletableFuture.allOf(senders.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        killed.countDown();
        killer.join(WAIT.toMillis());

        assertThat(early).isEmpty();
        assertThat(badPayloads).isEmpty();
        assertThat(failures).as("every sender ended on the kill").hasSize(SENDERS);
        assertThat(failures).allSatisfy(e -> assertThat(e).isInstanceOfSatisfying(LinkException.class,
                le -> assertThat(le.kind()).isIn(LinkException.Kind.PEER_GONE, LinkException.Kind.LINK_DOWN)));
        List<Long> acknowledged = released.stream().sorted().toList();
        assertThat(acknowledged).as("acknowledged before the kill").hasSizeGreaterThan(SENDERS);
        // Acks are cumulative and in order: what was acknowledged is a prefix of the stream, all held.
        for (int i = 0; i < acknowledged.size(); i++) {
            assertThat(acknowledged.get(i)).isEqualTo(i + 1L);
        }
        assertThat(held).containsAll(acknowledged);
        assertThat(acknowledged.size()).as("the batch cut by the kill was not acknowledged").isLessThan(KILL_AT);
        assertThat(stream.inFlight()).isZero();
    }

    @Test
    void concurrentCheckpoints_everyOneAcknowledged_onlyOnceHeld_noneLost() throws Exception {
        Set<Long> held = ConcurrentHashMap.newKeySet();
        LinkServer backup = LinkServer.start("127.0.0.1", 0, NODE, 1, (stream, epoch, seq, payload) -> {
            held.add(seq);
            return Verdict.ACCEPT;
        }, LinkOptions.defaults());
        toClose.add(backup);
        LinkClient primary = LinkClient.connect("127.0.0.1", backup.port(), NODE, 0, WAIT);
        toClose.add(primary);
        CheckpointStream stream = primary.open(3, 1, 1);
        Object sendLock = new Object();
        int perSender = 2_000;
        Queue<String> early = new ConcurrentLinkedQueue<>();
        List<CompletableFuture<Void>> senders = new ArrayList<>();
        for (int t = 0; t < SENDERS; t++) {
            senders.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < perSender; i++) {
                    CompletableFuture<Long> acked;
                    synchronized (sendLock) {
                        acked = stream.send(new byte[] {1, 2, 3});
                    }
                    long seq = acked.join();
                    if (!held.contains(seq)) {
                        early.add("seq " + seq);
                    }
                }
            }, runner(t)));
        }
        CompletableFuture.allOf(senders.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(early).isEmpty();
        assertThat(held).hasSize(SENDERS * perSender);
        assertThat(stream.nextSeq()).isEqualTo(SENDERS * perSender + 1L);
        assertThat(stream.inFlight()).isZero();
    }

    /** A thread of its own per sender: the common pool may have fewer threads than there are senders. */
    private static java.util.concurrent.Executor runner(int t) {
        return r -> {
            Thread th = new Thread(r, "test-sender-" + t);
            th.setDaemon(true);
            th.start();
        };
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            if (!latch.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never killed the backup");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
