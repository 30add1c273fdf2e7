package org.openpair.emulator.attach;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.launch.Logging;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.contract.ContractProgramsAccess;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.Termination;

/**
 * Hostile input on a CPU's attach socket: garbage, truncated frames, huge lengths, wrong
 * versions, wrong or replayed secrets, silence, a stall inside a frame, and protocol breaches
 * on an authenticated connection. Each time the CPU closes the offending connection with a
 * logged error and nothing else changes: an attached server on the same CPU keeps answering.
 */
class AttachFuzzTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ProcessName SRV = ProcessName.of("$FZS");
    /** The errors the sessions logged, open for the class. */
    private static Logging.Capture sessionLog;
    private static EmbeddedNode node;
    private static Guardian g;
    private static Path socket;
    private static ProcessFile server;
    private static long count;

    @BeforeAll
    static void start() {
        node = EmbeddedNode.start(TestNodes.config(1).build(), 1);
        g = node.cpu(0).guardian();
        sessionLog = Logging.capture(null, false, AttachSession.class.getName());
        ProcessHandle h = g.processSpawn(SpawnRequest.of(Program.java(ContractProgramsAccess.server()))
                .name(SRV.toString()).cpu(0).args("none", "4").build());
        assertThat(node.cpu(0).processTable().awaitAttached(h, WAIT)).isTrue();
        socket = node.cpu(0).processTable().attachSocket().orElseThrow().socketPath();
        server = g.fileOpen(SRV, 1);
        assertServerAnswers();
    }

    @AfterAll
    static void close() {
        sessionLog.close();
        server.close();
        node.close();
    }

    private static int errors() {
        return (int) sessionLog.lines().stream().filter(l -> l.level() == System.Logger.Level.ERROR).count();
    }

    /** The attached server on the same CPU still counts, one by one. */
    private static void assertServerAnswers() {
        byte[] reply = server.writeRead("inc".getBytes(StandardCharsets.UTF_8), WAIT);
        assertThat(ByteBuffer.wrap(reply).getLong()).isEqualTo(++count);
    }

    private static SocketChannel connect() throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.connect(UnixDomainSocketAddress.of(socket));
        return c;
    }

    /** Waits for the CPU to close {@code c}; a peer that stays open for 30 s fails the test. */
    private static void awaitClosedByCpu(SocketChannel c) throws Exception {
        c.configureBlocking(false);
        ByteBuffer sink = ByteBuffer.allocate(4096);
        long deadline = System.nanoTime() + WAIT.toNanos();
        try {
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
        } finally {
            c.close();
        }
    }

    private static void attack(byte[] bytes, boolean thenHalfClose) throws Exception {
        int errorsBefore = errors();
        SocketChannel c = connect();
        try {
            AttachFrames.write(c, ByteBuffer.wrap(bytes));
            if (thenHalfClose) {
                c.shutdownOutput();
            }
        } catch (IOException closedAlready) {
            // The CPU may close before the last byte is written.
        }
        awaitClosedByCpu(c);
        awaitLogged(errorsBefore);
        assertServerAnswers();
    }

    private static void awaitLogged(int errorsBefore) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (errors() <= errorsBefore) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no error logged for the closed connection");
            }
            Thread.sleep(5);
        }
    }

    private static byte[] hello(byte version, long verifier, byte[] secret) {
        byte[] payload = AttachCodecs.HELLO.encode(new AttachCodecs.Hello(verifier, secret));
        return Saboteur.frame(version, AttachFrames.HELLO, payload);
    }

    @Test
    void hugeLength_closedWithoutAllocating() throws Exception {
        attack(ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array(), false);
        attack(ByteBuffer.allocate(4).putInt(-1).array(), false);
        attack(ByteBuffer.allocate(4).putInt(AttachFrames.MAX_HELLO_BODY + 1).array(), false);
    }

    @Test
    void wrongVersion_wrongType_truncatedFrames() throws Exception {
        attack(hello((byte) 2, 1, new byte[32]), false);
        attack(Saboteur.frame(AttachFrames.VERSION, AttachFrames.CALL, new byte[] {AttachFrames.Op.ROLE}), false);
        byte[] whole = hello(AttachFrames.VERSION, 1, new byte[32]);
        attack(java.util.Arrays.copyOf(whole, whole.length - 5), true);
        attack(java.util.Arrays.copyOf(whole, 2), true);
        attack(Saboteur.frame(AttachFrames.VERSION, AttachFrames.HELLO, new byte[] {1, 2, 3}), false);
    }

    @Test
    void wrongSecret_unknownProcess_andAReplayedSecret_areRefused() throws Exception {
        ProcessHandle srv = g.lookup(SRV).orElseThrow().handle();
        // The server's own verifier with a wrong secret, and a verifier nobody expects.
        attack(hello(AttachFrames.VERSION, srv.verifier(), new byte[AttachServer.SECRET_BYTES]), false);
        attack(hello(AttachFrames.VERSION, 12345, new byte[AttachServer.SECRET_BYTES]), false);
        // A secret is good once: the one the server used is spent (its registration is gone).
        assertThat(node.cpu(0).processTable().attachSocket().orElseThrow().claim(srv.verifier(), new byte[0])).isNull();
    }

    @Test
    void randomGarbage_twoHundredTimes() throws Exception {
        Random random = new Random(7);
        for (int i = 0; i < 200; i++) {
            byte[] junk = new byte[1 + random.nextInt(64)];
            random.nextBytes(junk);
            attack(junk, true);
        }
    }

    @Test
    void silentClient_and_clientStalledInsideAFrame_areClosedByTheWatchdog() throws Exception {
        attack(new byte[0], false);                                   // says nothing: no HELLO in time
        attack(ByteBuffer.allocate(6).putInt(40).putShort((short) 0x0101).array(), false);   // stops mid-frame
    }

    @ParameterizedTest
    @ValueSource(strings = {"unknown-op", "truncated-field", "trailing-bytes", "wrong-version", "huge-length",
            "second-hello", "bad-count", "deaf", "guardian-unknown", "guardian-bad-signal", "guardian-bad-spawn",
            "signal-end-sigchld", "bad-restart-type", "bad-death-policy", "bad-acquire-mode", "oversized-string",
            "negative-timeout", "nonzero-epoch"})
    void authenticatedProcessBreakingTheProtocol_isWrittenOffAndKilled_othersUntouched(String how) throws Exception {
        int errorsBefore = errors();
        ProcessHandle h = g.processSpawn(SpawnRequest.of(Program.java(Saboteur.class)).cpu(0).args(how).build());
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (g.termination(h).isEmpty()) {
            assertThat(System.nanoTime()).as("the saboteur's end").isLessThan(deadline);
            Thread.sleep(10);
        }
        Termination t = g.termination(h).orElseThrow();
        assertThat(t.completionCode()).isEqualTo(5);
        assertThat(t.detail()).contains("protocol error");
        if (how.equals("deaf")) {
            assertThat(t.detail()).contains("stopped reading");
        }
        switch (how) {
            case "bad-restart-type" -> assertThat(t.detail()).contains("unknown RestartPolicy.Type code 0");
            case "bad-death-policy" -> assertThat(t.detail()).contains("unknown DeathPolicy code 77");
            case "guardian-bad-signal" -> assertThat(t.detail()).contains("unknown Signal code 99");
            case "guardian-bad-spawn" -> assertThat(t.detail()).contains("unknown Program type id 7");
            case "bad-acquire-mode" -> assertThat(t.detail()).contains("unknown AttachCodecs.AcquireMode code 0");
            case "oversized-string" -> assertThat(t.detail()).contains("a string of length 2147483647");
            case "negative-timeout" -> assertThat(t.detail()).contains("negative timeout -1");
            case "nonzero-epoch" -> assertThat(t.detail()).contains("epoch 7 and seq 0 on the attach socket");
            default -> { }
        }
        awaitLogged(errorsBefore);
        assertServerAnswers();
    }
}
