package org.openpair.emulator.attach;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.emulator.security.NodeKey;
import org.openpair.guardian.GuardianException;

/**
 * The admin socket of a CPU with a node key: a guest with the key is served; one without it,
 * with another, or speaking the handshake wrong (a CALL, or a forged proof, where the proof
 * belongs) gets error 48 or a close and runs nothing; a CPU without a key refuses a guest that
 * has one. The CPU serves a guest with the key after each.
 */
@Timeout(120)
class AdminSocketKeyTest {
    private static final long BOUND_MILLIS = 10_000;
    private static final NodeKey KEY = NodeKey.random();
    private static Path runDir;
    private static EmbeddedNode node;
    private static Path socket;
    private static final java.util.concurrent.atomic.AtomicInteger SERVED = new java.util.concurrent.atomic.AtomicInteger();

    @BeforeAll
    static void start() throws IOException {
        runDir = Files.createTempDirectory("opr-admk-");
        node = EmbeddedNode.start(TestNodes.config(1).runDir(runDir).nodeKey(KEY).build(), 1);
        socket = AdminSocket.socketPath(runDir, node.config().nodeName(), 0);
    }

    @AfterAll
    static void close() {
        if (node != null) {
            node.close();
        }
    }

    private static void assertServesAGuestWithTheKey() throws IOException {
        try (AdminConnection c = AdminConnection.open(socket, BOUND_MILLIS, KEY)) {
            assertThat(c.nodeName()).isEqualTo(node.config().nodeName());
            assertThat(c.guardian().cpus()).hasSize(1);
            String name = "keyed" + SERVED.incrementAndGet();
            c.guardian().semaphoreCreate(name, 1, org.openpair.guardian.DeathPolicy.RELEASE);
            assertThat(node.guardian().semaphores()).extracting(s -> s.name()).contains(name);
        }
    }

    @Test
    void aGuestWithTheKey_isServed() throws IOException {
        assertServesAGuestWithTheKey();
    }

    @Test
    void aGuestWithoutTheKey_orWithAnother_getsError48_andTheCpuServesOn() throws IOException {
        assertThatThrownBy(() -> AdminConnection.open(socket, BOUND_MILLIS)).isInstanceOfSatisfying(
                GuardianException.class, e -> {
                    assertThat(e.error()).isEqualTo(48);
                    assertThat(e.getMessage()).contains("node key mismatch");
                });
        assertThatThrownBy(() -> AdminConnection.open(socket, BOUND_MILLIS, NodeKey.random())).isInstanceOfSatisfying(
                GuardianException.class, e -> {
                    assertThat(e.error()).isEqualTo(48);
                    assertThat(e.getMessage()).contains("node key mismatch");
                });
        assertServesAGuestWithTheKey();
    }

    @Test
    void aCallOrAForgedProof_whereTheProofBelongs_isRefusedAndClosed_andNothingRuns() throws Exception {
        int semaphores = node.guardian().semaphores().size();
        for (boolean forged : List.of(false, true)) {
            try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                c.connect(UnixDomainSocketAddress.of(socket));
                byte[] nonce = AdminProof.nonce();
                AttachFrames.write(c, ByteBuffer.wrap(Saboteur.frame(AttachFrames.VERSION, AttachFrames.HELLO,
                        AttachCodecs.HELLO.encode(new AttachCodecs.Hello(0, nonce)))));
                assertThat(AttachFrames.read(c, AttachFrames.MAX_BODY, inside -> { }).type()).isEqualTo(AttachFrames.WELCOME);
                AttachFrames.Frame challenge = AttachFrames.read(c, AttachFrames.MAX_BODY, inside -> { });
                assertThat(challenge.type()).isEqualTo(AttachFrames.CHALLENGE);
                byte[] next = forged
                        ? Saboteur.frame(AttachFrames.VERSION, AttachFrames.PROOF, NodeKey.random().mac(AdminProof.PURPOSE))
                        : Saboteur.frame(AttachFrames.VERSION, AttachFrames.CALL, new byte[] {1, 2, 3});
                AttachFrames.write(c, ByteBuffer.wrap(next));
                AttachFrames.Frame refusal = AttachFrames.read(c, AttachFrames.MAX_BODY, inside -> { });
                assertThat(refusal.type()).isEqualTo(AttachFrames.ERROR);
                AttachCodecs.Failure f = AttachCodecs.read(AttachCodecs.FAILURE, refusal.payload());
                assertThat(f.error()).isEqualTo(48);
                assertThat(f.message()).contains("node key mismatch");
                assertThatThrownBy(() -> AttachFrames.read(c, AttachFrames.MAX_BODY, inside -> { }))
                        .isInstanceOf(EOFException.class);
            }
        }
        assertThat(node.guardian().semaphores()).hasSize(semaphores);
        assertServesAGuestWithTheKey();
    }

    @Test
    void aCpuWithoutAKey_refusesAGuestWithOne() throws IOException {
        Path other = Files.createTempDirectory("opr-admk2-");
        Files.setPosixFilePermissions(other, PosixFilePermissions.fromString("rwx------"));
        try (AdminSocket plain = AdminSocket.open(other, "PLAIN", 3, node.guardian()).orElseThrow()) {
            assertThatThrownBy(() -> AdminConnection.open(plain.path(), BOUND_MILLIS, KEY)).isInstanceOfSatisfying(
                    GuardianException.class, e -> assertThat(e.error()).isEqualTo(48));
            try (AdminConnection c = AdminConnection.open(plain.path(), BOUND_MILLIS)) {
                assertThat(c.cpu()).isEqualTo(3);
            }
        }
    }
}
