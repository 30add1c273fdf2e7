package org.openpair.emulator.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cluster.Ring;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.Termination;

/**
 * The writer of a CPU's events on a real node: a full ring keeps the newest, and a writer that
 * cannot write (its file is a FIFO nobody reads) never holds up what emits.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EventLogTest {
    private static final Duration BOUND = Duration.ofSeconds(30);
    private Path logs;
    private Path fifo;
    private EmbeddedNode node;

    @BeforeAll
    void start() throws Exception {
        NodeConfig config = TestNodes.config(2).build();
        logs = config.logDir();
        // CPU 1's own file is a FIFO: its writer blocks in the open until the test reads it.
        fifo = logs.resolve("cpu1").resolve("events.log");
        Files.createDirectories(fifo.getParent());
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertThat(mkfifo.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(mkfifo.exitValue()).isZero();
        node = EmbeddedNode.start(config, 2);
    }

    @AfterAll
    void close() throws Exception {
        Thread reader = new Thread(() -> {
            try (InputStream in = Files.newInputStream(fifo)) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException e) {
                // The writer is gone: nothing left to unblock.
            }
        });
        reader.setDaemon(true);
        reader.start();
        node.close();
        reader.join(BOUND.toMillis());
    }

    private static Event.CpuUp numbered(int i) {
        return new Event.CpuUp(i, "127.0.0.1:" + i);
    }

    @Test
    void aFullRing_dropsTheOldest_notTheNewest(@TempDir Path dir) throws Exception {
        Ring<EventRecord> ring = node.cpu(0).engine().eventRing("test.events.small", 4);
        EventLog log = new EventLog(node.config().nodeName(), 9, ring, dir.resolve("events.log"), 64).start();
        try {
            for (int i = 0; i < 10; i++) {
                assertThat(log.append(numbered(i))).isTrue();
            }
            TestNodes.await("all 10 written", BOUND, () -> log.written() == 10);
            EventBatch b = log.read(new EventQuery(0, 100, 0));
            assertThat(b.events()).extracting(r -> ((Event.CpuUp) r.event()).up()).containsExactly(6, 7, 8, 9);
            assertThat(b.events()).extracting(EventRecord::seq).containsExactly(6L, 7L, 8L, 9L);
            assertThat(b.next()).isEqualTo(10);
            assertThat(b.lost()).isEqualTo(6);
            // From a sequence still held: no loss; past the newest: nothing, and the same next.
            assertThat(log.read(new EventQuery(8, 100, 0)).events()).extracting(EventRecord::seq).containsExactly(8L, 9L);
            EventBatch none = log.read(new EventQuery(10, 100, 0));
            assertThat(none.events()).isEmpty();
            assertThat(none.next()).isEqualTo(10);
            assertThat(none.lost()).isZero();
            // The file kept all ten, with the ring's sequences.
            List<String> lines = Files.readAllLines(dir.resolve("events.log"));
            assertThat(lines).hasSize(10);
            assertThat(lines.get(0)).startsWith("{\"seq\":0,").contains("\"kind\":\"CpuUp\"", "\"up\":0");
            assertThat(lines.get(9)).startsWith("{\"seq\":9,").contains("\"up\":9");
        } finally {
            log.close();
        }
    }

    @Test
    void close_endsAWaitingWriter_withoutWaitingOutItsPoll(@TempDir Path dir) throws Exception {
        Ring<EventRecord> ring = node.cpu(0).engine().eventRing("test.events.close", 16);
        // An idle poll of an hour: only close itself can end the writer within the bound.
        EventLog log = new EventLog(node.config().nodeName(), 8, ring, dir.resolve("events.log"), 64,
                TimeUnit.HOURS.toMillis(1)).start();
        for (int i = 0; i < 3; i++) {
            assertThat(log.append(numbered(i))).isTrue();
        }
        // All written: the writer now waits in its poll.
        TestNodes.await("all 3 written", BOUND, () -> log.written() == 3);
        log.close(BOUND.toMillis());
        assertThat(log.writerEnded()).as("the writer ended when the log closed, not by its poll").isTrue();
        assertThat(log.written()).isEqualTo(3);
        assertThat(Files.readAllLines(dir.resolve("events.log"))).hasSize(3);
        assertThat(log.append(numbered(5))).as("nothing is taken after close").isFalse();
    }

    @Test
    void aWaitingRead_returnsWhenAnEventArrives_orEmptyAfterItsWait(@TempDir Path dir) throws Exception {
        Ring<EventRecord> ring = node.cpu(0).engine().eventRing("test.events.wait", 16);
        EventLog log = new EventLog(node.config().nodeName(), 9, ring, dir.resolve("events.log"), 64).start();
        try {
            EventBatch empty = log.read(new EventQuery(0, 10, 200));
            assertThat(empty.events()).isEmpty();
            assertThat(empty.next()).isZero();
            Thread later = new Thread(() -> log.append(numbered(42)));
            java.util.concurrent.CompletableFuture<EventBatch> read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return log.read(new EventQuery(0, 10, 20_000));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            later.start();
            EventBatch got = read.get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(got.events()).extracting(r -> r.event()).containsExactly(numbered(42));
        } finally {
            log.close();
        }
    }

    @Test
    @Timeout(120)
    void aBlockedWriter_neverBlocksTheAct_andDropsAreCounted() {
        String name = node.config().nodeName();
        EventLog cpu1 = EventLog.of(name, 1).orElseThrow();
        // Its writer is stuck opening the FIFO: the queue fills and the rest is dropped, at once.
        int offered = EventLog.QUEUE_CAPACITY + 200;
        for (int i = 0; i < offered; i++) {
            EventLog.emit(name, 1, numbered(i));
        }
        assertThat(cpu1.dropped()).isGreaterThanOrEqualTo(offered - EventLog.QUEUE_CAPACITY - 2L);
        long droppedBefore = cpu1.dropped();
        // The acts still happen, and their own events are dropped (counted), not waited for.
        Guardian g = node.cpu(0).guardian();
        List<ProcessHandle> spawned = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ProcessHandle h = g.processSpawn(SpawnRequest.of(Program.hosted(
                    org.openpair.emulator.process.TestPrograms.WaitsForStop.class)).cpu(1).build());
            spawned.add(h);
            g.processStop(h);
        }
        for (ProcessHandle h : spawned) {
            TestNodes.await("the end of " + h, BOUND, () -> g.termination(h).isPresent());
            Termination t = g.termination(h).orElseThrow();
            assertThat(t.process()).isEqualTo(h);
        }
        assertThat(cpu1.dropped()).isGreaterThanOrEqualTo(droppedBefore + 6);
        // CPU 0's log is not CPU 1's: it took its own events.
        assertThat(EventLog.of(name, 0).orElseThrow().dropped()).isZero();
    }
}
