package org.openpair.emulator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.launch.Logging;
import org.openpair.emulator.cluster.Engine;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.cpu.NodeEngineSettings;
import org.openpair.emulator.node.CpuRouter;
import org.openpair.emulator.node.CpuTask;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.pairs.PairPrograms;
import org.openpair.emulator.process.TestPrograms;
import org.openpair.guardian.Acquisition;
import org.openpair.guardian.DeathPolicy;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.RobustSemaphore;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.Termination;

/**
 * Real members and a client, configured as the product configures them, refuse any class of
 * ours from Java serialization and from reflective Compact ({@link EngineSerialization}); with
 * that in force, a spawn on another CPU, a pair's takeover, a semaphore's acquire and release and
 * a CPU call from a client all work, and the engine logs no refused class on the way. Leave one
 * type of ours on Java serialization and this test fails.
 */
class NoJavaSerializationTest {
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final ProcessName CTR = ProcessName.of("$CTR");

    private EmbeddedNode node;
    private HazelcastInstance client;
    /** Everything logged in this JVM (the engine's messages too) while a test runs. */
    private Logging.Capture logged;

    @BeforeEach
    void start() {
        PairPrograms.TAKEOVERS.clear();
        PairPrograms.MESSAGES.clear();
        PairPrograms.LAST_SENT.clear();
        PairPrograms.LAST_ACKED.clear();
        PairPrograms.RESULTS.clear();
        logged = Logging.capture(null, false, "");
        node = EmbeddedNode.start(TestNodes.config(3).build(), 3);
        client = HazelcastClient.newHazelcastClient(EngineConfigs.client(NodeEngineSettings.of(node.config()), 20_000));
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.shutdown();
        }
        node.close();
        logged.close();
    }

    @Test
    void spawnTakeoverSemaphoreAndCpuCall_crossTheEngineWithoutJavaSerialization() throws Exception {
        Guardian g = node.cpu(0).guardian();

        // A pair spawned from CPU 0 on CPU 1 (a CPU task and its reply), its backup on CPU 2.
        ProcessHandle primary = g.processSpawn(SpawnRequest.of(Program.hosted(PairPrograms.Counter.class)).name(CTR)
                .cpu(1).args("2", "temporary").build());
        TestNodes.await("a ready backup", BOUND, () -> {
            NameEntry e = entry();
            return e != null && e.backup() != null && e.ready();
        });
        ProcessHandle backup = entry().backup();
        long epoch = entry().epoch();

        // The takeover: name-table processors, the promotion notice, the death record.
        g.processStop(primary);
        TestNodes.await("the takeover", BOUND, () -> PairPrograms.TAKEOVERS.size() == 1);
        TestNodes.await("the name on the backup", BOUND, () -> backup.equals(entry().primary()));
        assertThat(entry().epoch()).isGreaterThan(epoch);

        // A semaphore: its record and its processors on whichever member owns the name's partition.
        ProcessHandle holder = g.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class)).cpu(2)
                .build());
        g.semaphoreCreate("lock", 2, DeathPolicy.RELEASE);
        RobustSemaphore sem = node.cpu(2).guardianAs(holder).semaphore("lock");
        Acquisition a = sem.acquire(2);
        assertThat(a.permits()).isEqualTo(2);
        sem.update().put("k", new byte[] {1}).remove("gone").commit();
        sem.release(1);
        assertThat(g.semaphore("lock").info().holders()).containsEntry(holder, 1);
        // A timed acquire that gives up leaves the queue (a processor whose fields are all plain numbers).
        ProcessHandle waiter = g.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class)).cpu(0)
                .build());
        assertThat(node.cpu(0).guardianAs(waiter).semaphore("lock").tryAcquire(2, Duration.ofMillis(300))).isEmpty();
        assertThat(g.semaphore("lock").info().waiters()).isZero();

        // A client reads every table and makes a CPU call through the executor, as the command does.
        NodeTables tables = new NodeTables(new Engine(client));
        assertThat(tables.cpus().keySet()).containsExactlyInAnyOrder(0, 1, 2);
        assertThat(tables.processes().get(NodeTables.processKey(holder)).handle()).isEqualTo(holder);
        assertThat(tables.names().get(CTR.toString()).primary()).isEqualTo(backup);
        TestNodes.await("the primary's death record", BOUND,
                () -> tables.terminations().get(NodeTables.terminationKey(primary)) != null);
        java.util.UUID cpu1Id = new CpuRouter(tables, node.config(), null).upCpus().get(1).member();
        CpuTask.Reply<ProcessInfo> spawned = tables.engine().call(cpu1Id, CpuTask.of(new CpuTask.Spawn(
                SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class)).cpu(1).build(), null)), BOUND.toMillis());
        assertThat(spawned.error()).isZero();
        CpuTask.Reply<Termination> stopped = tables.engine().call(cpu1Id,
                CpuTask.of(new CpuTask.Stop(spawned.value().handle(), null)), BOUND.toMillis());
        assertThat(stopped.value().process()).isEqualTo(spawned.value().handle());
        assertThat(SafetyProbe.submit(client, "openpair.test").get(BOUND.toSeconds(), TimeUnit.SECONDS)).isNotNull();

        assertThat(refusals()).as("classes the engine refused on the way").isEmpty();
    }

    private NameEntry entry() {
        return new NodeTables(node.cpu(0).engine()).names().get(CTR.toString());
    }

    private List<String> refusals() {
        List<String> refusals = new ArrayList<>();
        for (Logging.Capture.Line line : logged.lines()) {
            StringBuilder text = new StringBuilder(line.message());
            for (Throwable t = line.thrown(); t != null; t = t.getCause()) {
                text.append(" / ").append(t);
            }
            if (text.indexOf("is not allowed") >= 0 || text.indexOf("HazelcastSerializationException") >= 0) {
                refusals.add(line.logger() + ": " + text);
            }
        }
        return refusals;
    }
}
