package org.openpair.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;

/**
 * The server pair of {@code guardian bench writeread} on two CPUs in this JVM: it echoes and
 * counts what it executes, checkpoints the count with every reply (so a new primary goes on from
 * it), refuses what is not a bench request without executing it, and reports counts the driver
 * can check. Run: {@code mvn -pl bench -am test -Dtest=WriteReadBenchProgramTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class WriteReadBenchProgramTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ProcessName NAME = ProcessName.of(WriteReadBenchmark.NAME);

    private EmbeddedNode node;
    private Guardian g;
    private ProcessHandle primary;

    @BeforeEach
    void start() {
        node = EmbeddedNode.start(TestNodes.config(2).build(), 2);
        g = node.cpu(0).guardian();
        primary = g.processSpawn(SpawnRequest.of(Program.hosted(WriteReadBenchProgram.class)).name(NAME.toString())
                .cpu(1).args("0").build());
        NodeTables tables = new NodeTables(node.cpu(0).engine());
        await("a ready backup on CPU 0", () -> {
            NameEntry e = tables.names().get(NAME.toString());
            return e != null && e.backup() != null && e.backup().cpu() == 0 && e.ready();
        });
    }

    @AfterEach
    void close() {
        node.close();
    }

    private static WriteReadServerStats stats(ProcessFile f) {
        return WriteReadBenchmark.stats(f);
    }

    /** A timed request stamped with the clock, as the driver stamps it. */
    private static byte[] timed(int size) {
        byte[] b = WriteReadBenchmark.request(WriteReadBenchProgram.TIMED, size);
        ByteBuffer.wrap(b).putLong(1, System.nanoTime());
        return b;
    }

    @Test
    void echo_repliesWithTheRequest_countsIt_andTimesOnlyTimedRequests_bySize() {
        try (ProcessFile f = g.fileOpen(NAME, 1)) {
            byte[] small = WriteReadBenchmark.request(WriteReadBenchProgram.ECHO, 100);
            assertThat(f.writeRead(small, WAIT)).isEqualTo(small);
            long before = System.nanoTime();
            for (int i = 0; i < 3; i++) {
                byte[] timed = timed(100);
                assertThat(f.writeRead(timed, WAIT)).isEqualTo(timed);
            }
            byte[] large = timed(4096);
            assertThat(f.writeRead(large, WAIT)).isEqualTo(large);
            long elapsed = System.nanoTime() - before;
            WriteReadServerStats s = stats(f);
            assertThat(s.executed()).isEqualTo(5);
            assertThat(s.replied()).isEqualTo(5);
            assertThat(s.noBackup()).isZero();
            assertThat(s.failed()).isZero();
            for (var parts : java.util.List.of(s.requestLegs(), s.inServer())) {
                assertThat(parts).containsOnlyKeys(100, 4096);
                assertThat(parts.get(100).n()).isEqualTo(3);
                assertThat(parts.get(4096).n()).isEqualTo(1);
                // Parts of round trips that all happened within the elapsed time: positive, and no longer.
                assertThat(parts.get(100).p50()).isPositive();
                assertThat(parts.get(100).max()).isLessThanOrEqualTo(elapsed);
            }
            // A snapshot forgets the timings, not the counts; a stats request is not executed.
            WriteReadServerStats again = stats(f);
            assertThat(again.requestLegs()).isEmpty();
            assertThat(again.inServer()).isEmpty();
            assertThat(again.executed()).isEqualTo(5);
        }
    }

    @Test
    void timedRequest_tooShortForItsStamp_isExecuted_butNotTimed() {
        try (ProcessFile f = g.fileOpen(NAME, 1)) {
            byte[] shortTimed = {(byte) WriteReadBenchProgram.TIMED, 1, 2};
            assertThat(f.writeRead(shortTimed, WAIT)).isEqualTo(shortTimed);
            WriteReadServerStats s = stats(f);
            assertThat(s.executed()).isEqualTo(1);
            assertThat(s.replied()).isEqualTo(1);
            assertThat(s.requestLegs()).isEmpty();
            assertThat(s.inServer()).isEmpty();
        }
    }

    @Test
    void garbage_isRefusedInWords_notExecuted_andTheServerGoesOn() {
        try (ProcessFile f = g.fileOpen(NAME, 1)) {
            assertThat(new String(f.writeRead(new byte[0], WAIT), StandardCharsets.UTF_8))
                    .startsWith("refused: a bench request starts with E, T or S, not nothing");
            assertThat(new String(f.writeRead("Zzz".getBytes(StandardCharsets.UTF_8), WAIT), StandardCharsets.UTF_8))
                    .startsWith("refused:").endsWith("not byte 90");
            byte[] echo = WriteReadBenchmark.request(WriteReadBenchProgram.ECHO, 100);
            assertThat(f.writeRead(echo, WAIT)).isEqualTo(echo);
            WriteReadServerStats s = stats(f);
            assertThat(s.refused()).isEqualTo(2);
            assertThat(s.executed()).isEqualTo(1);
            assertThat(s.replied()).isEqualTo(1);
        }
    }

    @Test
    void afterTakeover_theNewPrimaryGoesOnFromTheCheckpointedCount() {
        try (ProcessFile f = g.fileOpen(NAME, 1)) {
            byte[] echo = WriteReadBenchmark.request(WriteReadBenchProgram.ECHO, 100);
            for (int i = 0; i < 7; i++) {
                f.writeRead(echo, WAIT);
            }
            g.processStop(primary);
            assertThat(f.writeRead(echo, WAIT)).isEqualTo(echo);
            assertThat(f.server()).isNotEqualTo(primary);
            assertThat(f.server().cpu()).isZero();
            WriteReadServerStats s = stats(f);
            assertThat(s.executed()).isEqualTo(8);
            // Only the one request the new primary executed was replied to by it (without a backup now).
            assertThat(s.replied() + s.noBackup()).isEqualTo(1);
        }
    }

    @Test
    void decode_refusesWhatIsNotTheServersStatistics() {
        assertThatThrownBy(() -> WriteReadServerStats.decode("refused: nothing".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("refused: nothing");
        byte[] wrongMagic = new byte[64];
        Arrays.fill(wrongMagic, (byte) 1);
        assertThatThrownBy(() -> WriteReadServerStats.decode(wrongMagic))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static void await(String what, BooleanSupplier condition) {
        long end = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("not within " + WAIT.toSeconds() + " s: " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }
}
