package org.openpair.emulator.attach;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.contract.ContractProgramsAccess;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.guardian.DeathPolicy;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;

/**
 * A CPU's admin socket: where it is and who may use it, what a guest may call (the operator's
 * procedures, opens, semaphores) and what it may not (a process's calls: error 2, the session
 * goes on), and bad input (garbage, a process's HELLO, a stale or a live socket at the path,
 * directories open to others), each refused or skipped while the CPU keeps serving.
 */
class AdminSocketTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final long BOUND_MILLIS = 10_000;
    private static final ProcessName SRV = ProcessName.of("$ADS");
    private static Path runDir;
    private static EmbeddedNode node;
    private static Guardian operator;
    private static Path socket;

    @BeforeAll
    static void start() throws IOException {
        runDir = Files.createTempDirectory("opr-adm-");
        node = EmbeddedNode.start(TestNodes.config(1).runDir(runDir).build(), 1);
        operator = node.cpu(0).guardian();
        ProcessHandle h = operator.processSpawn(SpawnRequest.of(Program.java(ContractProgramsAccess.server()))
                .name(SRV.toString()).cpu(0).args("none", "4").build());
        assertThat(node.cpu(0).processTable().awaitAttached(h, WAIT)).isTrue();
        socket = AdminSocket.socketPath(runDir, node.config().nodeName(), 0);
    }

    @AfterAll
    static void close() {
        if (node != null) {
            node.close();
        }
    }

    private static AdminConnection guest() throws IOException {
        return AdminConnection.open(socket, BOUND_MILLIS);
    }

    /** A later guest still gets the node's processes: the CPU was not harmed. */
    private static void assertCpuServes() throws IOException {
        try (AdminConnection c = guest()) {
            assertThat(c.guardian().lookup(SRV)).isPresent();
        }
    }

    @Test
    void cpuOpensItsSocket_privateDirectories_socket0600() throws IOException {
        assertThat(node.cpu(0).adminSocket()).map(AdminSocket::path).contains(socket);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent()))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
    }

    @Test
    void theAttachSocket_ofTheCpusOsProcesses_isBesideIt() {
        Path attach = AttachServer.socketPath(runDir, node.config().nodeName(), 0);
        assertThat(node.cpu(0).processTable().attachSocket()).map(AttachServer::socketPath).contains(attach);
        assertThat(socket.getParent().resolve("attach-cpu0.sock")).isEqualTo(attach);
    }

    @Test
    void guest_getsTheOperatorsProcedures_opens_andSemaphores() throws IOException {
        try (AdminConnection c = guest()) {
            assertThat(c.nodeName()).isEqualTo(node.config().nodeName());
            assertThat(c.cpu()).isZero();
            Guardian g = c.guardian();
            assertThat(g.processes()).extracting(p -> p.name()).contains(SRV);
            assertThat(g.cpus()).hasSize(1);
            ProcessFile f = g.fileOpen(SRV, 1);
            long first = ByteBuffer.wrap(f.writeRead("inc".getBytes(StandardCharsets.UTF_8), WAIT)).getLong();
            long second = ByteBuffer.wrap(f.writeRead("inc".getBytes(StandardCharsets.UTF_8), WAIT)).getLong();
            assertThat(second).isEqualTo(first + 1);
            f.close();
            g.semaphoreCreate("admsem", 2, DeathPolicy.RELEASE);
            assertThat(operator.semaphores()).extracting(s -> s.name()).contains("admsem");
            assertThat(g.semaphorePurge("admsem")).isGreaterThanOrEqualTo(0);
            assertThatThrownBy(() -> g.processStop(ProcessName.of("$NOPE")))
                    .isInstanceOfSatisfying(GuardianException.class, e -> assertThat(e.error()).isEqualTo(14));
        }
    }

    @Test
    void guest_nowaitWriteRead_repliesThroughTheFuture_28PastTheDepth_40AfterTheTimeout() throws Exception {
        try (AdminConnection c = guest()) {
            ProcessFile f = c.guardian().fileOpen(SRV, 1);
            long first = ByteBuffer.wrap(f.writeReadNowait("inc".getBytes(StandardCharsets.UTF_8), WAIT)
                    .get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).getLong();
            // Never answered by the server: in flight until its timeout.
            var held = f.writeReadNowait("hold".getBytes(StandardCharsets.UTF_8), Duration.ofMillis(500));
            assertThatThrownBy(() -> f.writeReadNowait("inc".getBytes(StandardCharsets.UTF_8), WAIT))
                    .isInstanceOfSatisfying(GuardianException.class, e -> assertThat(e.error()).isEqualTo(28));
            assertThatThrownBy(() -> held.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS))
                    .hasCauseInstanceOf(GuardianException.class)
                    .satisfies(e -> assertThat(((GuardianException) e.getCause()).error()).isEqualTo(40));
            long next = ByteBuffer.wrap(f.writeReadNowait("inc".getBytes(StandardCharsets.UTF_8), WAIT)
                    .get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).getLong();
            assertThat(next).as("the refused request changed nothing").isEqualTo(first + 1);
            assertThat(f.syncId()).isEqualTo(3);
            f.close();
        }
        assertCpuServes();
    }

    @Test
    void guest_askingAProcessOnlyCall_getsError2_andTheSessionGoesOn() throws Exception {
        AttachClient.Connected c = AttachClient.connectGuest(socket, BOUND_MILLIS);
        try {
            for (Runnable call : List.<Runnable>of(
                    () -> c.client().call(AttachCalls.SET_LOOP_TIMER, 100),
                    () -> c.client().call(AttachCalls.CHECKPOINT, new byte[] {1}),
                    () -> c.client().call(AttachCalls.READ_UPDATE, Duration.ZERO),
                    () -> c.client().call(AttachCalls.OPEN_RECEIVE, new AttachCodecs.OpenReceive(1, false)),
                    () -> c.client().call(AttachCalls.STATE_GET, "k"),
                    () -> c.client().call(AttachCalls.SIGNAL_TAKEN, org.openpair.guardian.Signal.SIGTIMEOUT))) {
                assertThatThrownBy(call::run).isInstanceOfSatisfying(GuardianException.class,
                        e -> assertThat(e.error()).isEqualTo(2));
            }
            // The same session still serves.
            assertThat(c.client().call(AttachCalls.LOOKUP, Optional.of(SRV))).isPresent();
        } finally {
            c.client().close();
        }
    }

    @Test
    void garbage_andAProcessHello_onTheAdminSocket_areClosed_andTheCpuServesOn() throws Exception {
        Random random = new Random(11);
        for (int i = 0; i < 20; i++) {
            byte[] junk = new byte[1 + random.nextInt(64)];
            random.nextBytes(junk);
            sendAndAwaitClose(socket, junk);
        }
        // A process's HELLO (a verifier and a secret, right or wrong) is no guest's: refused here.
        byte[] hello = Saboteur.frame(AttachFrames.VERSION, AttachFrames.HELLO, AttachCodecs.HELLO.encode(
                new AttachCodecs.Hello(12345, new byte[AttachServer.SECRET_BYTES])));
        sendAndAwaitClose(socket, hello);
        assertThatThrownBy(() -> AttachClient.connect(socket, 12345, "00".repeat(AttachServer.SECRET_BYTES)))
                .isInstanceOf(IOException.class);
        assertCpuServes();
    }

    @Test
    void guestHello_onAnAttachSocket_isRefused() throws Exception {
        AttachServer attach = AttachServer.open(7, 5000, 5000);
        try {
            assertThatThrownBy(() -> AttachClient.connectGuest(attach.socketPath(), BOUND_MILLIS))
                    .isInstanceOf(IOException.class);
        } finally {
            attach.close();
        }
        assertCpuServes();
    }

    @Test
    void staleSocketFile_isReplaced_andALiveOne_isLeftAlone(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("r"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Path stale = AdminSocket.socketPath(dir, "STALE", 3);
        Files.createDirectories(stale.getParent());
        Files.setPosixFilePermissions(stale.getParent(), PosixFilePermissions.fromString("rwx------"));
        try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            crashed.bind(UnixDomainSocketAddress.of(stale));
        }
        assertThat(stale).exists();   // what a killed CPU leaves: a file nobody answers at

        AdminSocket first = AdminSocket.open(dir, "STALE", 3, operator).orElseThrow();
        try {
            try (AdminConnection c = AdminConnection.open(stale, BOUND_MILLIS)) {
                assertThat(c.guardian().lookup(SRV)).isPresent();
            }
            // Another CPU 3 of the same node on this machine: the live socket answers, so no second one.
            assertThat(AdminSocket.open(dir, "STALE", 3, operator)).isEmpty();
            try (AdminConnection c = AdminConnection.open(stale, BOUND_MILLIS)) {
                assertThat(c.guardian().cpus()).hasSize(1);
            }
        } finally {
            first.close();
        }
        assertThat(stale).doesNotExist();
    }

    @Test
    void aGuestWhoseCpuGoesAway_getsError66_andLivesOn(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("r"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        AdminSocket admin = AdminSocket.open(dir, "GOING", 4, operator).orElseThrow();
        AdminConnection c = AdminConnection.open(admin.path(), BOUND_MILLIS);
        try {
            assertThat(c.guardian().lookup(SRV)).isPresent();
            admin.close();   // as a CPU's shutdown closes it, with the sessions on it
            assertThatThrownBy(() -> c.guardian().processes()).isInstanceOfSatisfying(GuardianException.class,
                    e -> assertThat(e.error()).isEqualTo(66));
        } finally {
            c.close();
        }
        assertThat(admin.path()).doesNotExist();
        assertCpuServes();
    }

    @Test
    void aFileThatIsNoSocket_isNotRemoved(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("r"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Path path = AdminSocket.socketPath(dir, "PLAIN", 0);
        Files.createDirectories(path.getParent());
        Files.setPosixFilePermissions(path.getParent(), PosixFilePermissions.fromString("rwx------"));
        Files.writeString(path, "mine");
        assertThat(AdminSocket.open(dir, "PLAIN", 0, operator)).isEmpty();
        assertThat(Files.readString(path)).isEqualTo("mine");
    }

    @Test
    void directoriesOpenToOthers_orALink_getNoSocket(@TempDir Path tmp) throws Exception {
        Path open = Files.createDirectories(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(AdminSocket.open(open, "OPEN", 0, operator)).isEmpty();
        assertThat(open.resolve("OPEN").resolve("cpu0.sock")).doesNotExist();

        Path run = Files.createDirectories(tmp.resolve("run"));
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwx------"));
        Path nodeDir = Files.createDirectories(run.resolve("GROUP"));
        Files.setPosixFilePermissions(nodeDir, PosixFilePermissions.fromString("rwxrwx---"));
        assertThat(AdminSocket.open(run, "GROUP", 0, operator)).isEmpty();
        assertThat(nodeDir.resolve("cpu0.sock")).doesNotExist();

        Path link = Files.createSymbolicLink(tmp.resolve("link"), run);
        assertThat(AdminSocket.whyNotPrivate(link)).contains("not a directory");
        assertThat(AdminSocket.open(link, "LINKED", 0, operator)).isEmpty();
        assertCpuServes();
    }

    @Test
    void aDirectoryOwnedByAnotherUser_getsNoSocket(@TempDir Path tmp) throws Exception {
        Path run = Files.createDirectories(tmp.resolve("theirs"));
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwx------"));
        UserPrincipal nobody;
        try {
            nobody = run.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
            Files.setOwner(run, nobody);
        } catch (IOException | UnsupportedOperationException e) {
            Assumptions.abort("cannot give a directory to another user here: " + e);
            return;
        }
        assertThat(AdminSocket.whyNotPrivate(run)).contains("owned by nobody");
        assertThat(AdminSocket.open(run, "THEIRS", 0, operator)).isEmpty();
        assertCpuServes();
    }

    private static void sendAndAwaitClose(Path at, byte[] bytes) throws Exception {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(at));
            try {
                AttachFrames.write(c, ByteBuffer.wrap(bytes));
                c.shutdownOutput();
            } catch (IOException closedAlready) {
                // The CPU may close before the last byte is written.
            }
            c.configureBlocking(false);
            ByteBuffer sink = ByteBuffer.allocate(4096);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                sink.clear();
                int r;
                try {
                    r = c.read(sink);
                } catch (IOException reset) {
                    return;
                }
                if (r < 0) {
                    return;
                }
                Thread.sleep(5);
            }
            throw new AssertionError("the CPU kept the connection open for " + WAIT.toSeconds() + " s");
        }
    }
}
