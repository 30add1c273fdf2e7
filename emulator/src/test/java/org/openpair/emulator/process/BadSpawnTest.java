package org.openpair.emulator.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;

/**
 * Every bad spawn or stop gets its Guardian error, leaves no trace in the tables, and the CPU
 * keeps serving. The node has CPUs 0-2 configured and only 0 and 1 running.
 */
class BadSpawnTest {
    private static EmbeddedNode node;
    private static Guardian g;

    @BeforeAll
    static void start() {
        node = EmbeddedNode.start(TestNodes.config(3).build(), java.util.List.of(0, 1));
        g = node.cpu(0).guardian();
    }

    @AfterAll
    static void close() {
        node.close();
    }

    /** After each refusal: nothing was left behind and a good spawn still works on both CPUs. */
    @AfterEach
    void nothingHarmed() {
        assertThat(g.processes()).isEmpty();
        for (int cpu = 0; cpu < 2; cpu++) {
            ProcessHandle h = g.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class))
                    .name("$OK").cpu(cpu).build());
            g.processStop(h);
        }
        assertThat(g.processes()).isEmpty();
        assertThat(g.lookup(ProcessName.of("$OK"))).isEmpty();
    }

    @Test
    void cpuNotConfigured_is14() {
        assertError(14, () -> g.processSpawn(SpawnRequest.of(Program.executable("sleep")).cpu(7).build()));
    }

    @Test
    void cpuConfiguredButDown_is66() {
        assertError(66, () -> g.processSpawn(SpawnRequest.of(Program.executable("sleep")).cpu(2).build()));
    }

    @Test
    void executableNotFound_is11() {
        assertError(11, () -> g.processSpawn(SpawnRequest.of(Program.executable("no-such-program-xyz")).cpu(1)
                .name("$NF").build()));
        assertThat(g.lookup(ProcessName.of("$NF"))).isEmpty();
    }

    @Test
    void fileNotExecutable_is48() throws Exception {
        Path plain = Files.createTempFile("not-exec", ".txt");
        assertError(48, () -> g.processSpawn(SpawnRequest.of(Program.executable(plain.toString())).cpu(1).build()));
        assertError(48, () -> g.processSpawn(SpawnRequest.of(Program.executable("/tmp")).cpu(1).build()));
    }

    @Test
    void hostedClassMissing_is11_notAProgram_is2_noDefaultConstructor_is2() {
        assertError(11, () -> g.processSpawn(SpawnRequest.of(Program.hosted("no.such.Program")).cpu(1).build()));
        assertError(2, () -> g.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.NotAProgram.class.getName()))
                .cpu(1).build()));
        assertError(2, () -> g.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.NeedsArgs.class)).cpu(0).build()));
    }

    @Test
    void stopOfUnknownProcess_is14_stopOfStaleHandle_is14() {
        assertError(14, () -> g.processStop(ProcessName.of("$NOONE")));
        assertError(14, () -> g.processStop(new ProcessHandle(g.nodeName(), 1, 999, 1)));
        ProcessHandle h = g.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class)).cpu(1).build());
        g.processStop(h);
        assertError(14, () -> g.processStop(h));
    }

    @Test
    void stopOnDownCpu_is66() {
        assertError(66, () -> g.processStop(new ProcessHandle(g.nodeName(), 2, 5, 1)));
    }

    private static void assertError(int error, Runnable call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(GuardianException.class,
                e -> assertThat(e.error()).as(e.getMessage()).isEqualTo(error));
    }
}
