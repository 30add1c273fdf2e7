package org.openpair.emulator.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.Termination;
import org.openpair.guardian.TerminationCause;

/** Two CPUs in this JVM: spawn on one, look up and stop from the other, every way of dying. */
class SpawnAndStopTest {
    private static EmbeddedNode node;
    private static Guardian cpu0;
    private static Guardian cpu1;

    @BeforeAll
    static void startNode() {
        node = EmbeddedNode.start(TestNodes.config(2).build(), 2);
        cpu0 = node.cpu(0).guardian();
        cpu1 = node.cpu(1).guardian();
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void hostedProgram_spawnedOnCpu1_isFoundFromCpu0_andStopGivesCode6() {
        ProcessHandle h = cpu0.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class))
                .name("$hw1").cpu(1).build());
        assertThat(h.cpu()).isEqualTo(1);
        Optional<ProcessInfo> found = cpu0.lookup(ProcessName.of("$HW1"));
        assertThat(found).isPresent();
        assertThat(found.get().handle()).isEqualTo(h);
        assertThat(cpu1.process(h)).isPresent();

        cpu0.processStop(ProcessName.of("hw1"));

        Termination t = cpu1.termination(h).orElseThrow();
        assertThat(t.cause()).isEqualTo(TerminationCause.STOPPED);
        assertThat(t.completionCode()).isEqualTo(6);
        assertThat(cpu0.lookup(ProcessName.of("$HW1"))).isEmpty();
        assertThat(cpu0.process(h)).isEmpty();
    }

    @Test
    void osProgram_spawnedOnCpu1_isStoppedFromCpu0_withCode6_andLogsToItsFile() throws Exception {
        ProcessHandle h = cpu0.processSpawn(SpawnRequest.of(Program.executable("sh"))
                .args("-c", "echo hello-from-os; exec sleep 60").name("$os1").cpu(1).build());
        ProcessInfo info = cpu1.lookup(ProcessName.of("$OS1")).orElseThrow();
        assertThat(info.pid()).isPositive();
        Path log = Path.of(info.logFile());
        await(() -> Files.exists(log) && read(log).contains("hello-from-os"));

        cpu0.processStop(h);

        Termination t = cpu0.termination(h).orElseThrow();
        assertThat(t.completionCode()).isEqualTo(6);
        assertThat(t.cause()).isEqualTo(TerminationCause.STOPPED);
        assertThat(cpu0.lookup(ProcessName.of("$OS1"))).isEmpty();
    }

    @Test
    void hostedReturn_isCode0() {
        Termination t = spawnAndAwaitEnd(Program.hosted(TestPrograms.Returns.class), 0);
        assertThat(t.cause()).isEqualTo(TerminationCause.RETURNED);
        assertThat(t.completionCode()).isZero();
    }

    @Test
    void hostedUncaughtException_isAbendCode5() {
        Termination t = spawnAndAwaitEnd(Program.hosted(TestPrograms.Throws.class), 1);
        assertThat(t.cause()).isEqualTo(TerminationCause.ABENDED);
        assertThat(t.completionCode()).isEqualTo(5);
        assertThat(t.detail()).contains("boom");
    }

    @Test
    void hostedAbendCall_isCode5() {
        Termination t = spawnAndAwaitEnd(Program.hosted(TestPrograms.Abends.class), 0);
        assertThat(t.completionCode()).isEqualTo(5);
        assertThat(t.detail()).contains("requested by the program");
    }

    @Test
    void osExit0_isCode0_andExit3_isCode5WithStatusKept() {
        Termination ok = spawnAndAwaitEnd(Program.executable("true"), 1);
        assertThat(ok.cause()).isEqualTo(TerminationCause.EXITED);
        assertThat(ok.completionCode()).isZero();
        assertThat(ok.exitStatus()).isZero();

        Termination bad = spawnAndAwaitEnd(Program.executable("sh"), 1, "-c", "exit 3");
        assertThat(bad.completionCode()).isEqualTo(5);
        assertThat(bad.exitStatus()).isEqualTo(3);
    }

    @Test
    void osKilledBySignal_isCode5WithSignalKept() {
        Termination t = spawnAndAwaitEnd(Program.executable("sh"), 0, "-c", "kill -9 $$");
        assertThat(t.cause()).isEqualTo(TerminationCause.SIGNALLED);
        assertThat(t.completionCode()).isEqualTo(5);
        assertThat(t.signal()).isEqualTo(9);
    }

    @Test
    void hostedProgramIgnoringInterrupts_isStillRemovedWithCode6() {
        ProcessHandle h = cpu0.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.IgnoresStop.class))
                .name("$ign").cpu(0).build());
        cpu1.processStop(h);
        assertThat(cpu1.termination(h).orElseThrow().completionCode()).isEqualTo(6);
        assertThat(cpu1.lookup(ProcessName.of("$IGN"))).isEmpty();
    }

    @Test
    void secondCreationOfLiveName_isError12_andFirstKeepsRunning() {
        ProcessHandle first = cpu0.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class))
                .name("$dup").cpu(0).build());
        assertThatThrownBy(() -> cpu1.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class))
                .name("$DUP").cpu(1).build()))
                .isInstanceOfSatisfying(GuardianException.class, e -> assertThat(e.error()).isEqualTo(12));
        assertThat(cpu1.lookup(ProcessName.of("$DUP")).orElseThrow().handle()).isEqualTo(first);
        cpu0.processStop(first);
        // The name is free again once its holder has died.
        ProcessHandle second = cpu1.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class))
                .name("$DUP").cpu(1).build());
        assertThat(cpu0.lookup(ProcessName.of("$DUP")).orElseThrow().handle()).isEqualTo(second);
        cpu0.processStop(second);
    }

    private static Termination spawnAndAwaitEnd(Program program, int cpu, String... args) {
        ProcessHandle h = cpu0.processSpawn(SpawnRequest.of(program).cpu(cpu).args(args).build());
        // The death is recorded before the entry goes, so wait for both.
        await(() -> cpu1.termination(h).isPresent() && cpu0.process(h).isEmpty());
        return cpu0.termination(h).orElseThrow();
    }

    static void await(Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
