package org.openpair.emulator.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.process.TestPrograms;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.Termination;
import org.openpair.guardian.TerminationCause;

/** A CPU that vanishes without a word (in-JVM crash): the survivors retire its processes with -4. */
class CpuLossTest {

    @Test
    void crashedCpu_processesEndWithMinus4_namesFreed_numberReusable() {
        try (EmbeddedNode node = EmbeddedNode.start(TestNodes.config(2).build(), 2)) {
            Guardian g0 = node.cpu(0).guardian();
            ProcessHandle hosted = g0.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class))
                    .name("$LOST").cpu(1).build());
            ProcessHandle os = g0.processSpawn(SpawnRequest.of(Program.executable("sleep")).args("600")
                    .name("$LOSTO").cpu(1).build());
            long pid = g0.process(os).orElseThrow().pid();

            long t0 = System.nanoTime();
            node.cpu(1).crash();
            await(() -> g0.termination(hosted).isPresent() && g0.termination(os).isPresent());
            System.out.printf("retired after %d ms%n", (System.nanoTime() - t0) / 1_000_000);

            for (ProcessHandle h : new ProcessHandle[] {hosted, os}) {
                Termination t = g0.termination(h).orElseThrow();
                assertThat(t.cause()).isEqualTo(TerminationCause.CPU_DOWN);
                assertThat(t.completionCode()).isEqualTo(-4);
            }
            assertThat(g0.lookup(ProcessName.of("$LOST"))).isEmpty();
            assertThat(g0.processes()).noneMatch(p -> p.handle().cpu() == 1);
            assertThat(g0.cpus()).extracting(c -> c.cpu()).containsExactly(0);
            await(() -> java.lang.ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));

            // The number can be taken again, and the name reused on the new incarnation.
            node.startCpu(1);
            ProcessHandle again = g0.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class))
                    .name("$LOST").cpu(1).build());
            assertThat(again.verifier()).isGreaterThan(hosted.verifier());
            g0.processStop(again);
        }
    }

    /**
     * A CPU that was cut off saw the others leave; if Hazelcast merges it back before its sweeps
     * have run, they run against the node's tables. A sweep of a CPU whose member is in this
     * CPU's view of the node retires nothing.
     */
    @Test
    void sweepOfACpuWhoseMemberIsInTheView_retiresNothing() {
        try (EmbeddedNode node = EmbeddedNode.start(TestNodes.config(2).build(), 2)) {
            Guardian g0 = node.cpu(0).guardian();
            ProcessHandle live = g0.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class))
                    .name("$LIVE").cpu(1).build());
            String cpu1Member = node.cpu(1).engine().hazelcast().getCluster().getLocalMember().getUuid().toString();

            node.cpu(0).sweeper().sweep(1, cpu1Member, "CPU 1 failed");

            assertThat(g0.process(live)).as("the live process on CPU 1").isPresent();
            assertThat(g0.termination(live)).as("a death recorded for the live process").isEmpty();
            assertThat(g0.lookup(ProcessName.of("$LIVE"))).isPresent();
            assertThat(g0.cpus()).extracting(c -> c.cpu()).contains(1);
            g0.processStop(live);
        }
    }

    static void await(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 30 s");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
