package org.openpair.emulator.attach;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.emulator.os.NativeOs;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.Termination;
import org.openpair.guardian.TerminationCause;

/** Java programs as OS processes attached to their CPU: identity, ends, bad spawns, the socket's permissions. */
class AttachTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static EmbeddedNode node;
    private static Guardian g;

    @BeforeAll
    static void start() {
        node = EmbeddedNode.start(TestNodes.config(2).build(), 2);
        g = node.cpu(0).guardian();
    }

    @AfterAll
    static void close() {
        node.close();
    }

    static ProcessHandle spawn(Class<? extends org.openpair.guardian.GuardianProgram> type, String name, int cpu,
                               String... args) {
        SpawnRequest.Builder b = SpawnRequest.of(Program.java(type)).cpu(cpu).args(args).env("GREETING", "hello");
        if (name != null) {
            b.name(name);
        }
        return g.processSpawn(b.build());
    }

    static String log(ProcessHandle h) {
        return g.process(h).map(ProcessInfo::logFile).orElseThrow();
    }

    static String awaitReport(String logFile, String key) {
        await(key + " in " + logFile, () -> Reports.last(logFile, key).isPresent());
        return Reports.last(logFile, key).orElseThrow();
    }

    static Termination awaitEnd(ProcessHandle h) {
        await("the end of " + h, () -> g.termination(h).isPresent());
        return g.termination(h).orElseThrow();
    }

    @Test
    void javaProcess_attaches_seesItsIdentityArgsEnvRole_thenAStopIsCompletionCode6() {
        ProcessHandle h = spawn(AttachPrograms.Identity.class, "$IDT", 1, "a", "b c");
        ProcessInfo info = g.process(h).orElseThrow();
        assertThat(info.pid()).isPositive();
        assertThat(info.program().display()).isEqualTo("java " + AttachPrograms.Identity.class.getName());
        assertThat(node.cpu(1).processTable().awaitAttached(h, WAIT)).isTrue();
        String log = info.logFile();
        assertThat(awaitReport(log, "listed")).isEqualTo("true");
        assertThat(Reports.last(log, "self")).contains(h.toString());
        assertThat(Reports.last(log, "name")).contains("$IDT");
        assertThat(Reports.last(log, "args")).contains("a,b c");
        assertThat(Reports.last(log, "env")).contains("hello");
        // Only what the spawn added, not the CPU's environment nor the attach variables.
        assertThat(Reports.last(log, "envSize")).contains("1");
        assertThat(Reports.last(log, "role")).contains(PairRole.PRIMARY.toString());
        assertThat(Reports.last(log, "node")).contains(node.config().nodeName());
        assertThat(Reports.last(log, "stop")).contains("false");

        g.processStop(h);

        Termination t = g.termination(h).orElseThrow();
        assertThat(t.completionCode()).isEqualTo(6);
        assertThat(t.cause()).isEqualTo(TerminationCause.STOPPED);
        // The program saw the stop and returned by itself.
        assertThat(awaitReport(log, "stopped")).isEqualTo("true");
        assertThat(g.lookup(ProcessName.of("$IDT"))).isEmpty();
    }

    /** An interrupt must not close the attach socket (a blocking channel does): that would be the process's death. */
    @Test
    void callsOfAnInterruptedThread_goOn_theInterruptIsKept_theProcessLives() {
        ProcessHandle h = spawn(AttachPrograms.InterruptedCalls.class, null, 1, "500");
        String log = log(h);
        Termination t = awaitEnd(h);
        assertThat(t.cause()).as(t.detail()).isEqualTo(TerminationCause.RETURNED);
        assertThat(Reports.last(log, "done")).contains("500");
        assertThat(Reports.last(log, "keptInterrupts")).contains("true");
    }

    /** The loop timer's promise holds for a JVM that cannot take the signal: its CPU ends it as the default would. */
    @Test
    void sigtimeoutNotTakenByAWedgedJvm_theCpuEndsTheProcess_completionCodeMinus1() {
        ProcessHandle h = spawn(AttachPrograms.Wedged.class, null, 1);
        String log = log(h);
        long pid = g.process(h).orElseThrow().pid();
        assertThat(awaitReport(log, "wedged")).isEqualTo("true");
        Termination t = awaitEnd(h);
        assertThat(t.cause()).isEqualTo(TerminationCause.LOOP_TIMEOUT);
        assertThat(t.completionCode()).isEqualTo(-1);
        assertThat(t.detail()).contains("did not take the signal");
        assertThat(Reports.last(log, "survived")).isEmpty();
        await("its JVM gone", () -> !java.lang.ProcessHandle.of(pid).map(java.lang.ProcessHandle::isAlive).orElse(false));
    }

    @Test
    void returning_isCompletionCode0_abend5WithTheReason_anExceptionIs5() {
        ProcessHandle r = spawn(AttachPrograms.Returns.class, null, 0);
        ProcessHandle a = spawn(AttachPrograms.Abends.class, null, 1, "on purpose");
        ProcessHandle x = spawn(AttachPrograms.Throws.class, null, 0);
        Termination tr = awaitEnd(r);
        assertThat(tr.cause()).isEqualTo(TerminationCause.RETURNED);
        assertThat(tr.completionCode()).isZero();
        Termination ta = awaitEnd(a);
        assertThat(ta.cause()).isEqualTo(TerminationCause.ABENDED);
        assertThat(ta.completionCode()).isEqualTo(5);
        assertThat(ta.detail()).isEqualTo("abend: on purpose");
        Termination tx = awaitEnd(x);
        assertThat(tx.completionCode()).isEqualTo(5);
        assertThat(tx.detail()).contains("IllegalStateException: thrown on purpose");
    }

    @Test
    void kill9_isTheProcessesDeath_recordedOnce_asTheSignal() throws Exception {
        ProcessHandle h = spawn(AttachPrograms.Sleeps.class, "$SLP", 1);
        assertThat(node.cpu(1).processTable().awaitAttached(h, WAIT)).isTrue();
        long pid = g.process(h).orElseThrow().pid();
        NativeOs.get().kill(pid, NativeOs.SIGKILL);
        Termination t = awaitEnd(h);
        assertThat(t.completionCode()).isEqualTo(5);
        assertThat(t.cause()).isEqualTo(TerminationCause.SIGNALLED);
        assertThat(g.lookup(ProcessName.of("$SLP"))).isEmpty();
        assertThat(g.terminations().stream().filter(x -> x.process().equals(h)).count()).isEqualTo(1);
    }

    @Test
    void badPrograms_refusedAtSpawn_11NotOnTheClassPath_2NotAProgram() {
        assertError(11, () -> g.processSpawn(SpawnRequest.of(Program.java("no.such.Program")).cpu(0).build()));
        assertError(2, () -> g.processSpawn(SpawnRequest.of(Program.java(String.class.getName())).cpu(0).build()));
        assertError(2, () -> Program.java(" "));
    }

    @Test
    void attachSocket_ownerOnly() throws Exception {
        ProcessHandle h = spawn(AttachPrograms.Returns.class, null, 0);
        awaitEnd(h);
        Path socket = node.cpu(0).processTable().attachSocket().orElseThrow().socketPath();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent()))).isEqualTo("rwx------");
    }

    static void assertError(int error, Runnable call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(GuardianException.class,
                e -> assertThat(e.error()).as(e.getMessage()).isEqualTo(error));
    }

    static void await(String what, BooleanSupplier condition) {
        org.openpair.emulator.TestNodes.await(what, WAIT, condition);
    }
}
