package org.openpair.emulator.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openpair.emulator.security.NodeKey;

/**
 * The node key on the link, over real sockets on 127.0.0.1: a client that holds the key gets
 * through; one without it, with another, speaking the plain HELLO, or sending a forged,
 * reflected or missing proof is refused before the server hands anything to its handler, the
 * server logs "node key mismatch" with the address, and goes on serving a client with the key.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LinkKeyTest {
    private static final String NODE = "TEST";
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final NodeKey key = NodeKey.random();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final AtomicInteger handled = new AtomicInteger();
    private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    private final Logger serverLog = Logger.getLogger(ServerSession.class.getName());
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(r);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private LinkServer server;

    @BeforeEach
    void start() {
        serverLog.addHandler(capture);
        server = LinkServer.start("127.0.0.1", 0, NODE, 1, (stream, epoch, seq, payload) -> {
            handled.incrementAndGet();
            return Verdict.ACCEPT;
        }, LinkOptions.defaults().withStallTimeout(Duration.ofSeconds(2)).withKey(key));
        server.serveRequests((openId, syncId, payload, replies) -> replies.reply(openId, syncId, 0,
                ByteBuffer.wrap(new byte[] {42})));
        toClose.add(server);
    }

    @AfterEach
    void closeAll() throws Exception {
        serverLog.removeHandler(capture);
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    @Test
    void clientWithTheKey_checkpointsAndRequests() throws Exception {
        assertServesAKeyedClient();
        assertThat(warnings).isEmpty();
        LinkClient requester = LinkClient.connectAsRequester("127.0.0.1", server.port(), NODE, WAIT, key);
        toClose.add(requester);
        assertThat(requester.request(7, 1, ByteBuffer.allocate(1)).get(10, TimeUnit.SECONDS).payload())
                .containsExactly(42);
    }

    @Test
    void clientWithoutAKey_isRefusedAsKeyMismatch_andTheServerServesTheOthers() throws Exception {
        assertRefused(() -> LinkClient.connect("127.0.0.1", server.port(), NODE, 3, WAIT));
        assertRefused(() -> LinkClient.connectAsRequester("127.0.0.1", server.port(), NODE, WAIT));
        assertMismatchLogged();
        assertThat(handled).hasValue(0);
        assertServesAKeyedClient();
    }

    @Test
    void clientWithAnotherKey_isRefused_bothSidesSeeTheMismatch_andTheServerServesTheOthers() throws Exception {
        NodeKey other = NodeKey.random();
        assertRefused(() -> LinkClient.connect("127.0.0.1", server.port(), NODE, 3,
                LinkOptions.defaults().withConnectTimeout(WAIT).withKey(other)));
        assertRefused(() -> LinkClient.connectAsRequester("127.0.0.1", server.port(), NODE, WAIT, other));
        // the server checks the client's proof, which the client sends even after finding the server's wrong
        assertMismatchLogged();
        assertThat(handled).hasValue(0);
        assertServesAKeyedClient();
    }

    @Test
    void keyedClient_toAServerWithoutAKey_isRefused() throws Exception {
        LinkServer plain = LinkServer.start("127.0.0.1", 0, NODE, 2, (stream, epoch, seq, payload) -> Verdict.ACCEPT);
        toClose.add(plain);
        assertRefused(() -> LinkClient.connect("127.0.0.1", plain.port(), NODE, 3,
                LinkOptions.defaults().withConnectTimeout(WAIT).withKey(key)));
    }

    @Test
    void rawPlainHello_thenACheckpoint_isAnsweredWithKeyMismatchAndClosed_nothingHandled() throws Exception {
        byte[] bytes = concat(frame(FrameType.HELLO.code, Hello.PLAIN, new Hello(NODE, 3, 1024).encode()),
                frame(FrameType.CHECKPOINT.code, 0, ByteBuffer.allocate(8)));
        List<Frame> answer = exchange(bytes);
        assertThat(answer).hasSize(1);
        assertThat(answer.get(0).type).isEqualTo(FrameType.NACK.code);
        assertThat(answer.get(0).payload).containsExactly(Verdict.KEY_MISMATCH.code());
        assertMismatchLogged();
        assertThat(handled).hasValue(0);
        assertServesAKeyedClient();
    }

    @Test
    void rawKeyedHello_withAForgedProof_orNone_orTheServersOwnReflected_isClosed_nothingHandled() throws Exception {
        Hello mine = new Hello(NODE, 3, 1024).fresh(true);
        byte[] hello = frame(FrameType.HELLO.code, Hello.KEYED, mine.encode());
        byte[] checkpoint = frame(FrameType.CHECKPOINT.code, 0, ByteBuffer.allocate(8));
        // a proof made with another key
        Hello serverHello = null;
        try (Socket s = socket()) {
            s.getOutputStream().write(hello);
            DataInputStream in = new DataInputStream(s.getInputStream());
            Frame h = read(in);
            Frame p = read(in);
            assertThat(h.type).isEqualTo(FrameType.HELLO.code);
            assertThat(h.seq).isEqualTo(Hello.KEYED);
            assertThat(p.type).isEqualTo(FrameType.PROOF.code);
            serverHello = Hello.decode(h.seq, ByteBuffer.wrap(h.payload));
            byte[] forged = LinkProof.of(NodeKey.random(), false, mine, serverHello);
            s.getOutputStream().write(concat(frame(FrameType.PROOF.code, 0, ByteBuffer.wrap(forged)), checkpoint));
            assertEndsWithKeyMismatchAndClose(in);
        }
        // the server's own proof sent back as the client's
        try (Socket s = socket()) {
            s.getOutputStream().write(hello);
            DataInputStream in = new DataInputStream(s.getInputStream());
            read(in);
            Frame p = read(in);
            s.getOutputStream().write(concat(frame(FrameType.PROOF.code, 0, ByteBuffer.wrap(p.payload)), checkpoint));
            assertEndsWithKeyMismatchAndClose(in);
        }
        // a checkpoint instead of a proof
        try (Socket s = socket()) {
            s.getOutputStream().write(hello);
            DataInputStream in = new DataInputStream(s.getInputStream());
            read(in);
            read(in);
            s.getOutputStream().write(checkpoint);
            assertEndsWithKeyMismatchAndClose(in);
        }
        // a proof that was right for an earlier connection: the server's nonce is fresh each time
        byte[] replayed;
        try (Socket s = socket()) {
            s.getOutputStream().write(hello);
            DataInputStream in = new DataInputStream(s.getInputStream());
            Hello h = Hello.decode(Hello.KEYED, ByteBuffer.wrap(read(in).payload));
            read(in);
            replayed = LinkProof.of(key, false, mine, h);
        }
        try (Socket s = socket()) {
            s.getOutputStream().write(hello);
            DataInputStream in = new DataInputStream(s.getInputStream());
            read(in);
            read(in);
            s.getOutputStream().write(concat(frame(FrameType.PROOF.code, 0, ByteBuffer.wrap(replayed)), checkpoint));
            assertEndsWithKeyMismatchAndClose(in);
        }
        assertMismatchLogged();
        assertThat(handled).hasValue(0);
        assertServesAKeyedClient();
    }

    @Test
    void rawKeyedHello_withTheRightProof_isServed() throws Exception {
        Hello mine = new Hello(NODE, 3, 1024).fresh(true);
        try (Socket s = socket()) {
            s.getOutputStream().write(frame(FrameType.HELLO.code, Hello.KEYED, mine.encode()));
            DataInputStream in = new DataInputStream(s.getInputStream());
            Hello h = Hello.decode(Hello.KEYED, ByteBuffer.wrap(read(in).payload));
            Frame p = read(in);
            assertThat(LinkProof.check(key, true, ByteBuffer.wrap(p.payload), mine, h)).isTrue();
            byte[] proof = LinkProof.of(key, false, mine, h);
            s.getOutputStream().write(concat(frame(FrameType.PROOF.code, 0, ByteBuffer.wrap(proof)),
                    frameWith(FrameType.CHECKPOINT.code, 9, 1, 1, ByteBuffer.allocate(8))));
            Frame ack = read(in);
            assertThat(ack.type).isEqualTo(FrameType.ACK.code);
            assertThat(handled).hasValue(1);
        }
        assertThat(warnings).isEmpty();
    }

    @Test
    void mismatchWarnings_fromOneAddress_areRateLimited() {
        for (int i = 0; i < 5; i++) {
            assertRefused(() -> LinkClient.connect("127.0.0.1", server.port(), NODE, 4, WAIT));
        }
        // connections are refused in turn; each refusal is logged before its NACK is sent
        assertThat(warnings.stream().filter(r -> format(r).contains("cpu 4 from")).count()).isEqualTo(1);
    }

    private void assertServesAKeyedClient() throws Exception {
        LinkClient good = LinkClient.connect("127.0.0.1", server.port(), NODE, 2,
                LinkOptions.defaults().withConnectTimeout(WAIT).withKey(key));
        toClose.add(good);
        int before = handled.get();
        assertThat(good.peerCpu()).isEqualTo(1);
        assertThat(good.open(1, 1, 1).sendAndAwait(new byte[] {1}, WAIT)).isEqualTo(1);
        assertThat(handled).hasValue(before + 1);
    }

    private static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable connect) {
        assertThatThrownBy(connect).isInstanceOfSatisfying(LinkException.class, x -> {
            assertThat(x.kind()).isEqualTo(LinkException.Kind.REFUSED);
            assertThat(x.reason()).contains(Verdict.KEY_MISMATCH);
            assertThat(x.getMessage()).contains("node key mismatch");
        });
    }

    private void assertMismatchLogged() {
        org.openpair.emulator.TestNodes.await("a node key mismatch warning", WAIT, () -> !warnings.isEmpty());
        String text = format(warnings.get(0));
        assertThat(text).contains("node key mismatch").contains("127.0.0.1");
    }

    private static String format(LogRecord r) {
        return new java.util.logging.SimpleFormatter().formatMessage(r);
    }

    private Socket socket() throws IOException {
        Socket s = new Socket("127.0.0.1", server.port());
        s.setSoTimeout((int) WAIT.toMillis());
        return s;
    }

    /** Writes the bytes on a fresh connection and reads what comes back until the server closes it. */
    private List<Frame> exchange(byte[] bytes) throws IOException {
        List<Frame> frames = new ArrayList<>();
        try (Socket s = socket()) {
            s.getOutputStream().write(bytes);
            DataInputStream in = new DataInputStream(s.getInputStream());
            for (int i = 0; i < 10; i++) {
                Frame f = readOrNull(in);
                if (f == null) {
                    return frames;
                }
                frames.add(f);
            }
        }
        throw new AssertionError("the server kept the connection open: " + frames.size() + " frames");
    }

    private static void assertEndsWithKeyMismatchAndClose(DataInputStream in) throws IOException {
        Frame f = readOrNull(in);
        if (f != null) {
            assertThat(f.type).isEqualTo(FrameType.NACK.code);
            assertThat(f.payload).containsExactly(Verdict.KEY_MISMATCH.code());
            assertThat(readOrNull(in)).as("nothing after the refusal").isNull();
        }
    }

    private record Frame(byte type, long seq, byte[] payload) {
    }

    private static Frame read(DataInputStream in) throws IOException {
        Frame f = readOrNull(in);
        if (f == null) {
            throw new AssertionError("the server closed the connection");
        }
        return f;
    }

    /** The next frame, or null at EOF or a reset; a timeout fails the test. */
    private static Frame readOrNull(InputStream raw) throws IOException {
        DataInputStream in = (DataInputStream) raw;
        try {
            int length = in.readInt();
            in.readByte();
            byte type = in.readByte();
            in.readLong();
            in.readLong();
            long seq = in.readLong();
            byte[] payload = in.readNBytes(length - FrameFormat.HEADER_BYTES);
            return new Frame(type, seq, payload);
        } catch (java.io.EOFException | SocketException e) {
            return null;
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server neither answered nor closed within " + WAIT, e);
        }
    }

    private static byte[] frame(byte type, long seq, ByteBuffer payload) {
        return frameWith(type, 0, 0, seq, payload);
    }

    private static byte[] frameWith(byte type, long stream, long epoch, long seq, ByteBuffer payload) {
        int n = payload.remaining();
        return ByteBuffer.allocate(FrameFormat.OVERHEAD + n).putInt(FrameFormat.HEADER_BYTES + n)
                .put(FrameFormat.VERSION).put(type).putLong(stream).putLong(epoch).putLong(seq).put(payload).array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
