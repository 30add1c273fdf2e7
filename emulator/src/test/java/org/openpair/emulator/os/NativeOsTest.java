package org.openpair.emulator.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exercises NativeOs against real processes: the point of the seam is how Linux really behaves. */
class NativeOsTest {

    private final NativeOs os = NativeOs.get();
    private final List<Long> unreaped = new ArrayList<>();
    @TempDir
    Path tmp;

    @AfterEach
    void reapLeftovers() throws Exception {
        for (long pid : unreaped) {
            os.kill(pid, NativeOs.SIGKILL);
            os.waitFor(pid);
        }
    }

    private long spawn(Path log, Map<String, String> env, boolean dieWithParent, String exe, String... args)
            throws NativeException {
        long pid = os.spawn(new SpawnSpec(os.resolveExecutable(exe, null), List.of(args), env, log, dieWithParent));
        assertThat(pid).isPositive();
        return pid;
    }

    @Test
    void exitCodeAndBothOutputStreamsGoToTheLog() throws Exception {
        Path log = tmp.resolve("logs/sub/out.log");  // parent directories do not exist yet
        long pid = spawn(log, Map.of(), false, "/bin/sh", "-c", "echo out; echo err 1>&2; exit 3");
        ExitStatus status = os.waitFor(pid);
        assertThat(status.exited()).isTrue();
        assertThat(status.exitCode()).isEqualTo(3);
        assertThat(status).hasToString("exit 3");
        assertThat(Files.readString(log)).contains("out").contains("err");

        os.waitFor(spawn(log, Map.of(), false, "/bin/sh", "-c", "echo again"));
        assertThat(Files.readAllLines(log)).containsExactly("out", "err", "again");
    }

    @Test
    void environmentIsExactlyTheSpecs() throws Exception {
        Path log = tmp.resolve("env.log");
        long pid = spawn(log, Map.of("FOO", "bar"), false, "sh", "-c", "echo $FOO; echo \"[$HOME]\"");
        assertThat(os.waitFor(pid).exitCode()).isZero();
        assertThat(Files.readAllLines(log)).containsExactly("bar", "[]");
    }

    @Test
    void childHasDevNullStdinAndNoJvmDescriptors() throws Exception {
        Path log = tmp.resolve("fd.log");
        // find lists the descriptors of the shell, which holds exactly what it inherited.
        long pid = spawn(log, Map.of(), false, "/bin/sh", "-c", "find /proc/$$/fd -mindepth 1 -printf '%f %l\\n'; true");
        assertThat(os.waitFor(pid).exitCode()).isZero();
        assertThat(Files.readAllLines(log)).containsExactlyInAnyOrder("0 /dev/null", "1 " + log, "2 " + log);
    }

    @Test
    void sigkillAndSigtermAreReportedAsSignals() throws Exception {
        long pid = spawn(tmp.resolve("k.log"), Map.of(), false, "sleep", "30");
        assertThat(os.kill(pid, NativeOs.SIGKILL)).isTrue();
        ExitStatus killed = os.waitFor(pid);
        assertThat(killed.exited()).isFalse();
        assertThat(killed.signal()).isEqualTo(9);
        assertThat(killed).hasToString("killed by SIGKILL");

        pid = spawn(tmp.resolve("t.log"), Map.of(), false, "sleep", "30");
        assertThat(os.kill(pid, NativeOs.SIGTERM)).isTrue();
        assertThat(os.waitFor(pid).signal()).isEqualTo(15);
    }

    @Test
    void reapedPidIsGone() throws Exception {
        long pid = spawn(tmp.resolve("r.log"), Map.of(), false, "true");
        assertThat(os.waitFor(pid).exitCode()).isZero();
        assertThat(os.kill(pid, NativeOs.SIGTERM)).isFalse();
        assertThatThrownBy(() -> os.waitFor(pid)).isInstanceOfSatisfying(NativeException.class,
                e -> assertThat(e.kind()).isEqualTo(NativeException.Kind.NO_SUCH_PROCESS));
    }

    @Test
    void nonPositivePidsAreRejected() {
        assertThatThrownBy(() -> os.kill(0, NativeOs.SIGTERM)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> os.kill(-1, NativeOs.SIGTERM)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> os.waitFor(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void getpidIsThisJvm() {
        assertThat(os.getpid()).isEqualTo(ProcessHandle.current().pid());
    }

    @Test
    void resolveExecutable() throws Exception {
        Path sleep = os.resolveExecutable("sleep", null);
        assertThat(sleep).isAbsolute().endsWith(Path.of("sleep"));
        assertThat(Files.isExecutable(sleep)).isTrue();
        assertThat(os.resolveExecutable("sleep", "/nonexistent-dir:/usr/bin")).isEqualTo(Path.of("/usr/bin/sleep"));

        assertKind(() -> os.resolveExecutable("no-such-program-xyz", null), NativeException.Kind.NOT_FOUND);
        assertKind(() -> os.resolveExecutable(tmp + "/missing", null), NativeException.Kind.NOT_FOUND);

        Path plain = Files.createFile(tmp.resolve("plain"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-r--r--")));
        assertKind(() -> os.resolveExecutable(plain.toString(), null), NativeException.Kind.NOT_EXECUTABLE);
        assertKind(() -> os.resolveExecutable("plain", tmp.toString()), NativeException.Kind.NOT_EXECUTABLE);
        Path dir = Files.createDirectory(tmp.resolve("dir"));
        assertKind(() -> os.resolveExecutable(dir.toString(), null), NativeException.Kind.NOT_EXECUTABLE);
    }

    @Test
    void spawnFailuresAreTyped() throws Exception {
        Path log = tmp.resolve("x.log");
        assertKind(() -> os.spawn(new SpawnSpec(tmp.resolve("missing"), List.of(), Map.of(), log, false)),
                NativeException.Kind.NOT_FOUND);
        // The log "file" is a directory: open fails inside posix_spawn, which jnr reports as pid -1.
        Path dirLog = Files.createDirectory(tmp.resolve("log-is-a-dir"));
        NativeException e = assertKind(() -> os.spawn(new SpawnSpec(Path.of("/bin/true"), List.of(), Map.of(),
                dirLog, false)), NativeException.Kind.SPAWN_FAILED);
        assertThat(e.errno()).isEqualTo(21);  // EISDIR
        assertThat(e.getMessage()).contains("/bin/true").contains(dirLog.toString());
    }

    @Test
    void dieWithParentKillsTheChildWhenTheSpawningThreadEnds() throws Exception {
        Path sleepReal = os.resolveExecutable("sleep", null).toRealPath();
        List<Long> pids = new ArrayList<>();
        List<Path> exes = new ArrayList<>();
        // Several rounds: a thread that ends right after spawn is the race setpriv alone loses.
        for (int i = 0; i < 10; i++) {
            long[] pid = new long[1];
            Throwable[] failure = new Throwable[1];
            Thread spawner = new Thread(() -> {
                try {
                    pid[0] = spawn(tmp.resolve("d.log"), Map.of(), true, "sleep", "30");
                    exes.add(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid[0]), "exe")));
                } catch (Throwable t) {
                    failure[0] = t;
                }
            }, "spawner-" + i);
            spawner.start();
            spawner.join();
            assertThat(failure[0]).isNull();
            unreaped.add(pid[0]);
            pids.add(pid[0]);
        }
        // The pid is the program's, not setpriv's (which exec'd in place before spawn returned).
        assertThat(exes).hasSize(pids.size()).containsOnly(sleepReal);

        ExecutorService waiter = Executors.newSingleThreadExecutor();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (long pid : pids) {
                CompletableFuture<ExitStatus> status = CompletableFuture.supplyAsync(() -> {
                    try {
                        return os.waitFor(pid);
                    } catch (NativeException e) {
                        throw new IllegalStateException(e);
                    }
                }, waiter);
                ExitStatus exit;
                try {
                    exit = status.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    throw new AssertionError("process " + pid + " survived its spawning thread", e);
                }
                unreaped.remove(pid);
                assertThat(exit.signal()).as("pid %d", pid).isEqualTo(NativeOs.SIGKILL);
            }
        } finally {
            waiter.shutdownNow();
        }
    }

    @Test
    void waitStatusDecoding() {
        assertThat(ExitStatus.fromWaitStatus(0x0300)).isEqualTo(new ExitStatus(3, 0, false));
        assertThat(ExitStatus.fromWaitStatus(0x0009)).isEqualTo(new ExitStatus(0, 9, false));
        ExitStatus core = ExitStatus.fromWaitStatus(0x0089);
        assertThat(core).isEqualTo(new ExitStatus(0, 9, true));
        assertThat(core).hasToString("killed by SIGKILL (core dumped)");
        assertThat(ExitStatus.fromWaitStatus(0)).hasToString("exit 0");
        assertThatThrownBy(() -> ExitStatus.fromWaitStatus(0x137f)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void signalNames() {
        assertThat(NativeOs.signalName(NativeOs.SIGKILL)).isEqualTo("SIGKILL");
        assertThat(NativeOs.signalName(NativeOs.SIGTERM)).isEqualTo("SIGTERM");
        assertThat(NativeOs.signalName(NativeOs.SIGSTOP)).isEqualTo("SIGSTOP");
        assertThat(NativeOs.signalName(NativeOs.SIGUSR2)).isEqualTo("SIGUSR2");
        assertThat(NativeOs.signalName(42)).isEqualTo("signal 42");
        assertThat(NativeOs.signalName(0)).isEqualTo("signal 0");
    }

    @Test
    void spawnSpecCopiesItsInputs() {
        List<String> args = new ArrayList<>(List.of("a"));
        SpawnSpec spec = new SpawnSpec(Path.of("/bin/true"), args, Map.of(), tmp.resolve("l"), false);
        args.add("b");
        assertThat(spec.args()).containsExactly("a");
        assertThatThrownBy(() -> spec.args().add("c")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> new SpawnSpec(Path.of("/bin/true"), List.of(), Map.of("A=B", "x"),
                tmp.resolve("l"), false)).isInstanceOf(IllegalArgumentException.class);
    }

    private interface Call {
        void run() throws Exception;
    }

    private static NativeException assertKind(Call call, NativeException.Kind kind) {
        try {
            call.run();
        } catch (NativeException e) {
            assertThat(e.kind()).as(e.getMessage()).isEqualTo(kind);
            return e;
        } catch (Exception e) {
            throw new AssertionError("expected NativeException " + kind + ", got " + e, e);
        }
        throw new AssertionError("expected NativeException " + kind);
    }
}
