package org.openpair.emulator.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The CPU link over real sockets on 127.0.0.1: ordering and acks, refusals, limits, malformed
 * input from raw sockets, and death evidence. Every wait is bounded; nothing sleeps to
 * synchronise; no speed is asserted (see the bench module's {@code LinkBenchmark} for figures).
 *
 * <p>Run: {@code mvn -B -pl emulator test -Dtest='org.openpair.emulator.link.*Test'}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LinkTest {
    private static final String NODE = "TEST";
    private static final Duration WAIT = Duration.ofSeconds(10);

    @AutoClose
    private final Opened toClose = new Opened();

    @Test
    void checkpoint_pipelined10000_deliveredInOrderAndAllAckedInOrder() throws Exception {
        Queue<long[]> received = new ConcurrentLinkedQueue<>();
        LinkServer server = server((stream, epoch, seq, payload) -> {
            received.add(new long[] {stream, epoch, seq, payload.remaining(), payload.getInt(payload.position())});
            return Verdict.ACCEPT;
        });
        LinkClient client = client(server);
        CheckpointStream stream = client.open(5, 3, 1000);
        int n = 10_000;
        List<CompletableFuture<Long>> acks = new ArrayList<>(n);
        Queue<Long> completionOrder = new ConcurrentLinkedQueue<>();
        ByteBuffer payload = ByteBuffer.allocate(100);
        for (int i = 0; i < n; i++) {
            payload.putInt(0, i);
            CompletableFuture<Long> ack = stream.send(payload);
            ack.thenAccept(completionOrder::add);
            acks.add(ack);
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);

        for (int i = 0; i < n; i++) {
            assertThat(acks.get(i).get()).as("seq of send %d", i).isEqualTo(1000L + i);
        }
        assertThat(completionOrder).containsExactlyElementsOf(
                java.util.stream.LongStream.range(1000, 1000 + n).boxed().toList());
        List<long[]> got = new ArrayList<>(received);
        assertThat(got).hasSize(n);
        for (int i = 0; i < n; i++) {
            assertThat(got.get(i)).as("checkpoint %d", i).containsExactly(5, 3, 1000 + i, 100, i);
        }
        assertThat(stream.inFlight()).isZero();
        assertThat(stream.nextSeq()).isEqualTo(1000L + n);
    }

    @Test
    void checkpoint_staleEpoch_failsRefusedAndTheSameStreamReopenedWithTheNewEpochWorks() throws Exception {
        long currentEpoch = 2;
        Queue<Long> held = new ConcurrentLinkedQueue<>();
        LinkServer server = server((stream, epoch, seq, payload) -> {
            if (epoch < currentEpoch) {
                return Verdict.STALE_EPOCH;
            }
            held.add(seq);
            return Verdict.ACCEPT;
        });
        LinkClient client = client(server);
        CheckpointStream old = client.open(7, 1, 1);

        CompletableFuture<Long> refused = old.send(new byte[] {1});
        LinkException e = failure(refused);
        assertThat(e.kind()).isEqualTo(LinkException.Kind.REFUSED);
        assertThat(e.reason()).contains(Verdict.STALE_EPOCH);
        assertThat(e.getMessage()).contains("STALE_EPOCH").contains("stream 7");
        assertThatThrownBy(() -> old.sendAndAwait(new byte[] {2}, WAIT))
                .isInstanceOfSatisfying(LinkException.class, x -> assertThat(x.reason()).contains(Verdict.STALE_EPOCH));
        old.close();

        CheckpointStream fresh = client.open(7, currentEpoch, 1);
        assertThat(fresh.sendAndAwait(new byte[] {3}, WAIT)).isEqualTo(1);
        assertThat(fresh.send(new byte[] {4}).get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(held).containsExactly(1L, 2L);
        assertThat(client.isUp()).isTrue();
    }

    @Test
    void checkpoint_handlerThrows_isRefusedAsHandlerFailedAndTheLinkGoesOn() throws Exception {
        LinkServer server = server((stream, epoch, seq, payload) -> {
            if (seq == 2) {
                throw new IllegalStateException("test handler fails on seq 2");
            }
            return Verdict.ACCEPT;
        });
        CheckpointStream stream = client(server).open(1, 1, 1);
        assertThat(stream.sendAndAwait(new byte[] {1}, WAIT)).isEqualTo(1);
        assertThatThrownBy(() -> stream.sendAndAwait(new byte[] {2}, WAIT))
                .isInstanceOfSatisfying(LinkException.class, x -> assertThat(x.reason()).contains(Verdict.HANDLER_FAILED));
        assertThat(stream.sendAndAwait(new byte[] {3}, WAIT)).isEqualTo(3);
    }

    @Test
    void send_overTheLimit_isRefusedLocallyNamingSizeAndLimit_andUsesNoSeq() throws Exception {
        Queue<Long> held = new ConcurrentLinkedQueue<>();
        LinkServer server = server(LinkOptions.defaults().withMaxPayload(1024), (stream, epoch, seq, payload) -> {
            held.add(seq);
            return Verdict.ACCEPT;
        });
        LinkClient client = client(server);
        assertThat(client.maxPayload()).isEqualTo(1024);
        CheckpointStream stream = client.open(1, 1, 1);

        assertThatThrownBy(() -> stream.send(new byte[1025]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1025").hasMessageContaining("1024");
        assertThatThrownBy(() -> stream.sendAndAwait(new byte[1 << 20], WAIT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(String.valueOf(1 << 20)).hasMessageContaining("1024");
        assertThat(stream.sendAndAwait(new byte[1024], WAIT)).isEqualTo(1);
        assertThat(held).containsExactly(1L);
    }

    @Test
    void checkpoint_ofTheDefaultLimit_oneMebibyte_isCarried() throws Exception {
        AtomicReference<Integer> size = new AtomicReference<>();
        LinkServer server = server((stream, epoch, seq, payload) -> {
            size.set(payload.remaining());
            return Verdict.ACCEPT;
        });
        CheckpointStream stream = client(server).open(1, 1, 1);
        assertThat(stream.sendAndAwait(new byte[LinkOptions.DEFAULT_MAX_PAYLOAD], WAIT)).isEqualTo(1);
        assertThat(size.get()).isEqualTo(LinkOptions.DEFAULT_MAX_PAYLOAD);
        assertThat(stream.sendAndAwait(new byte[10], WAIT)).isEqualTo(2);
    }

    @Test
    void checkpoints_moreThanTheSocketsHold_waitForTheBackupAndAllArriveInOrder() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Queue<long[]> received = new ConcurrentLinkedQueue<>();
        LinkServer server = server((stream, epoch, seq, payload) -> {
            await(release);
            received.add(new long[] {seq, payload.remaining(), payload.get(payload.position())});
            return Verdict.ACCEPT;
        });
        try {
            CheckpointStream stream = client(server).open(1, 1, 1);
            int n = 40; // 40 MiB: far more than the socket buffers and the 4 MiB send queue
            List<CompletableFuture<Long>> acks = new ArrayList<>();
            CountDownLatch allQueued = new CountDownLatch(1);
            Thread sender = new Thread(() -> {
                for (int i = 0; i < n; i++) {
                    byte[] payload = new byte[1 << 20];
                    payload[0] = (byte) i;
                    CompletableFuture<Long> ack = stream.send(payload);
                    synchronized (acks) {
                        acks.add(ack);
                    }
                }
                allQueued.countDown();
            }, "test-sender");
            sender.start();
            assertThat(allQueued.await(200, TimeUnit.MILLISECONDS))
                    .as("the sender waits for room while the backup does not read").isFalse();
            release.countDown();
            assertThat(allQueued.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            List<CompletableFuture<Long>> all;
            synchronized (acks) {
                all = List.copyOf(acks);
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            List<long[]> got = new ArrayList<>(received);
            assertThat(got).hasSize(n);
            for (int i = 0; i < n; i++) {
                assertThat(got.get(i)).containsExactly(i + 1, 1 << 20, (byte) i);
            }
        } finally {
            release.countDown();
        }
    }

    @Test
    void malformedFrames_closeOnlyThatConnection_andTheServerServesAGoodClient() throws Exception {
        LinkServer server = server(LinkOptions.defaults().withStallTimeout(Duration.ofMillis(300)),
                (stream, epoch, seq, payload) -> Verdict.ACCEPT);
        LinkClient good = client(server);
        CheckpointStream goodStream = good.open(1, 1, 1);

        byte[] hello = frame(1, FrameType.HELLO.code, 0, 0, 0, new Hello(NODE, 9, 1024).encode());
        List<byte[]> bad = List.of(
                concat(hello, frame(2, FrameType.CHECKPOINT.code, 1, 1, 1, ByteBuffer.allocate(4))),      // bad version
                frame(7, FrameType.HELLO.code, 0, 0, 0, new Hello(NODE, 9, 1024).encode()),               // bad version first
                concat(hello, ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array()),                   // huge length
                concat(hello, ByteBuffer.allocate(4).putInt(-5).array()),                                   // negative length
                concat(hello, frame(1, (byte) 99, 1, 1, 1, ByteBuffer.allocate(4))),                       // unknown type
                concat(hello, frame(1, FrameType.ACK.code, 1, 1, 1, ByteBuffer.allocate(0))),              // out of turn
                frame(1, FrameType.CHECKPOINT.code, 1, 1, 1, ByteBuffer.allocate(4)));                     // before HELLO
        for (byte[] bytes : bad) {
            assertClosedByServer(server, bytes, false);
            assertThat(goodStream.sendAndAwait(new byte[] {1}, WAIT)).isPositive();
        }
        // truncated, then closed by the client
        byte[] checkpoint = frame(1, FrameType.CHECKPOINT.code, 1, 1, 1, ByteBuffer.allocate(100));
        assertClosedByServer(server, concat(hello, java.util.Arrays.copyOf(checkpoint, 40)), true);
        // stalls mid-frame: cut off after the stall timeout
        assertClosedByServer(server, concat(hello, java.util.Arrays.copyOf(checkpoint, 40)), false);
        // stalls before HELLO
        assertClosedByServer(server, new byte[0], false);

        assertThat(goodStream.sendAndAwait(new byte[] {2}, WAIT)).isPositive();
        assertThat(good.isUp()).isTrue();
        CheckpointStream late = client(server).open(2, 1, 1);
        assertThat(late.sendAndAwait(new byte[] {3}, WAIT)).isEqualTo(1);
    }

    @Test
    void serverClosed_failsPendingSendsWithPeerGone_andTellsTheListeners() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        LinkServer server = server((stream, epoch, seq, payload) -> {
            if (seq >= 2) {
                await(release);
            }
            return Verdict.ACCEPT;
        });
        try {
            LinkClient client = client(server);
            CountDownLatch gone = new CountDownLatch(1);
            CompletableFuture<LinkException> down = new CompletableFuture<>();
            client.onPeerGone(gone::countDown);
            client.onDown(down::complete);
            CheckpointStream stream = client.open(1, 1, 1);
            assertThat(stream.sendAndAwait(new byte[] {1}, WAIT)).isEqualTo(1);
            CompletableFuture<Long> pending2 = stream.send(new byte[] {2});
            CompletableFuture<Long> pending3 = stream.send(new byte[] {3});

            Thread closer = new Thread(server::close, "test-server-close");
            closer.start();

            assertThat(failure(pending2).kind()).isEqualTo(LinkException.Kind.PEER_GONE);
            assertThat(failure(pending3).kind()).isEqualTo(LinkException.Kind.PEER_GONE);
            assertThat(gone.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(down.get(WAIT.toSeconds(), TimeUnit.SECONDS).kind()).isEqualTo(LinkException.Kind.PEER_GONE);
            assertThat(client.isUp()).isFalse();
            assertThatThrownBy(() -> stream.sendAndAwait(new byte[] {4}, WAIT))
                    .isInstanceOfSatisfying(LinkException.class,
                            x -> assertThat(x.kind()).isEqualTo(LinkException.Kind.PEER_GONE));
            assertThatThrownBy(() -> client.open(2, 1, 1)).isInstanceOf(LinkException.class);
            CountDownLatch lateListener = new CountDownLatch(1);
            client.onPeerGone(lateListener::countDown);
            assertThat(lateListener.getCount()).as("a listener added after the fact runs at once").isZero();
            release.countDown();
            closer.join(WAIT.toMillis());
        } finally {
            release.countDown();
        }
    }

    @Test
    void peerJvmKilled_isPeerGone() throws Exception {
        Process peer = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), LinkPeerMain.class.getName())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            String ports = new java.io.BufferedReader(new java.io.InputStreamReader(peer.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8)).readLine();
            assertThat(ports).as("the peer's first line").startsWith("LINK_PORT=");
            int port = Integer.parseInt(ports.replaceAll("LINK_PORT=(\\d+).*", "$1"));
            LinkClient client = LinkClient.connect("127.0.0.1", port, LinkPeerMain.NODE, 0, WAIT);
            toClose.add(client);
            CountDownLatch gone = new CountDownLatch(1);
            client.onPeerGone(gone::countDown);
            CheckpointStream stream = client.open(1, 1, 1);
            assertThat(stream.sendAndAwait(new byte[] {1}, WAIT)).isEqualTo(1);

            peer.destroyForcibly(); // SIGKILL

            assertThat(gone.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(() -> stream.sendAndAwait(new byte[] {2}, WAIT))
                    .isInstanceOfSatisfying(LinkException.class,
                            x -> assertThat(x.kind()).isEqualTo(LinkException.Kind.PEER_GONE));
        } finally {
            peer.destroyForcibly();
            peer.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    @Test
    void connectionEnded_portStillAnswers_isLinkDownNotPeerGone() throws Exception {
        try (ServerSocket fake = new ServerSocket()) {
            fake.bind(new InetSocketAddress("127.0.0.1", 0));
            Thread serverSide = new Thread(() -> answerHelloThenHangUp(fake), "fake-server");
            serverSide.setDaemon(true);
            serverSide.start();

            LinkClient client = LinkClient.connect("127.0.0.1", fake.getLocalPort(), NODE, 0, WAIT);
            toClose.add(client);
            CountDownLatch gone = new CountDownLatch(1);
            client.onPeerGone(gone::countDown);
            CompletableFuture<LinkException> down = new CompletableFuture<>();
            client.onDown(down::complete);
            CompletableFuture<Long> pending = client.open(1, 1, 1).send(new byte[] {1});

            assertThat(failure(pending).kind()).isEqualTo(LinkException.Kind.LINK_DOWN);
            assertThat(down.get(WAIT.toSeconds(), TimeUnit.SECONDS).kind()).isEqualTo(LinkException.Kind.LINK_DOWN);
            assertThat(gone.getCount()).isEqualTo(1);
        }
    }

    @Test
    void connect_toAClosedPort_isPeerGone() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        assertThatThrownBy(() -> LinkClient.connect("127.0.0.1", port, NODE, 0, WAIT))
                .isInstanceOfSatisfying(LinkException.class,
                        x -> assertThat(x.kind()).isEqualTo(LinkException.Kind.PEER_GONE));
    }

    @Test
    void hello_fromAnotherNode_isRefused_andTheServerGoesOn() throws Exception {
        LinkServer server = server((stream, epoch, seq, payload) -> Verdict.ACCEPT);
        assertThatThrownBy(() -> LinkClient.connect("127.0.0.1", server.port(), "OTHER", 0, WAIT))
                .isInstanceOfSatisfying(LinkException.class, x -> {
                    assertThat(x.kind()).isEqualTo(LinkException.Kind.REFUSED);
                    assertThat(x.reason()).contains(Verdict.WRONG_NODE);
                    assertThat(x.getMessage()).contains("OTHER");
                });
        LinkClient sameNodeOtherCase = LinkClient.connect("127.0.0.1", server.port(), NODE.toLowerCase(), 3, WAIT);
        toClose.add(sameNodeOtherCase);
        assertThat(sameNodeOtherCase.peerCpu()).isEqualTo(1);
        assertThat(sameNodeOtherCase.open(1, 1, 1).sendAndAwait(new byte[] {1}, WAIT)).isEqualTo(1);
    }

    @Test
    void clientClosed_failsPendingSendsWithClosed_andNoListenerRuns() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        LinkServer server = server((stream, epoch, seq, payload) -> {
            await(release);
            return Verdict.ACCEPT;
        });
        try {
            LinkClient client = client(server);
            CountDownLatch anyListener = new CountDownLatch(2);
            client.onPeerGone(anyListener::countDown);
            client.onDown(e -> anyListener.countDown());
            CompletableFuture<Long> pending = client.open(1, 1, 1).send(new byte[] {1});
            client.close();
            assertThat(failure(pending).kind()).isEqualTo(LinkException.Kind.CLOSED);
            assertThat(anyListener.getCount()).isEqualTo(2);
            assertThat(client.isUp()).isFalse();
        } finally {
            release.countDown();
        }
    }

    @Test
    void open_sameStreamTwice_isRefusedUntilTheFirstIsClosed() {
        LinkServer server = server((stream, epoch, seq, payload) -> Verdict.ACCEPT);
        LinkClient client = client(server);
        CheckpointStream first = client.open(9, 1, 1);
        assertThatThrownBy(() -> client.open(9, 1, 1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("stream 9");
        first.close();
        assertThatThrownBy(() -> first.send(new byte[] {1})).isInstanceOf(IllegalStateException.class);
        assertThat(client.open(9, 2, 1).sendAndAwait(new byte[] {1}, WAIT)).isEqualTo(1);
    }

    @Test
    void sendAndAwait_ackSlowerThanThePolling_isDeliveredByTheLinkThread() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        LinkServer server = server((stream, epoch, seq, payload) -> {
            if (seq == 2) {
                await(release);
            }
            return Verdict.ACCEPT;
        });
        try {
            CheckpointStream stream = client(server).open(1, 1, 1);
            assertThat(stream.sendAndAwait(new byte[] {1}, WAIT)).isEqualTo(1);
            CompletableFuture<Long> result = new CompletableFuture<>();
            Thread sender = new Thread(() -> {
                try {
                    result.complete(stream.sendAndAwait(new byte[] {2}, WAIT));
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            }, "test-sync-sender");
            sender.start();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (sender.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // until the sender has stopped polling and parked
            }
            assertThat(sender.getState()).isEqualTo(Thread.State.TIMED_WAITING);
            release.countDown();
            assertThat(result.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(2);
        } finally {
            release.countDown();
        }
    }

    @Test
    void sendAndAwait_noAckInTime_isTimeout_andTheAckStillCompletesTheStream() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        LinkServer server = server((stream, epoch, seq, payload) -> {
            await(release);
            return Verdict.ACCEPT;
        });
        try {
            LinkClient client = client(server);
            CheckpointStream stream = client.open(1, 1, 1);
            assertThatThrownBy(() -> stream.sendAndAwait(new byte[] {1}, Duration.ofMillis(100)))
                    .isInstanceOfSatisfying(LinkException.class,
                            x -> assertThat(x.kind()).isEqualTo(LinkException.Kind.TIMEOUT));
            assertThat(client.isUp()).as("a timeout is not evidence of anything").isTrue();
            release.countDown();
            assertThat(stream.sendAndAwait(new byte[] {2}, WAIT)).isEqualTo(2);
            assertThat(stream.inFlight()).isZero();
        } finally {
            release.countDown();
        }
    }

    @Test
    void abort_failsASendAndAwaitWaitingForAnAckThatNeverComes_andALateAckIsDropped() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        LinkServer server = server((stream, epoch, seq, payload) -> {
            await(release);
            return Verdict.ACCEPT;
        });
        try {
            LinkClient client = client(server);
            CheckpointStream stream = client.open(1, 1, 1);
            CompletableFuture<Throwable> waiter = CompletableFuture.supplyAsync(() -> {
                try {
                    stream.sendAndAwait(new byte[] {1}, Duration.ofMinutes(5));
                    return null;
                } catch (LinkException e) {
                    return e;
                }
            });
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (stream.inFlight() != 1 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(stream.inFlight()).as("checkpoints in flight before the abort").isEqualTo(1);
            stream.abort("fenced");
            Throwable failed = waiter.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(failed).isInstanceOfSatisfying(LinkException.class, x -> {
                assertThat(x.kind()).isEqualTo(LinkException.Kind.CLOSED);
                assertThat(x.getMessage()).contains("fenced");
            });
            assertThat(stream.inFlight()).isZero();
            assertThat(stream.send(new byte[] {2})).as("a send after the abort").isCompletedExceptionally();
            // The late ack finds the stream gone; the link carries on and the stream id can be opened again.
            release.countDown();
            CheckpointStream again = client.open(1, 2, 1);
            assertThat(again.sendAndAwait(new byte[] {3}, WAIT)).isEqualTo(1);
            assertThat(client.isUp()).isTrue();
        } finally {
            release.countDown();
        }
    }

    @Test
    void syncAndPipelinedStreams_onOneLink_allGetTheirAcks() throws Exception {
        LinkServer server = server((stream, epoch, seq, payload) -> Verdict.ACCEPT);
        LinkClient client = client(server);
        CheckpointStream sync = client.open(1, 1, 1);
        CheckpointStream async = client.open(2, 1, 1);
        List<CompletableFuture<Long>> acks = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            assertThat(sync.sendAndAwait(new byte[] {1}, WAIT)).isEqualTo(i + 1);
            acks.add(async.send(new byte[] {2}));
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(acks.get(199).get()).isEqualTo(200);
        assertThat(async.inFlight()).isZero();
    }

    @Test
    void sendAndAwait_fromAFutureCallbackOnTheLinkThread_isRefused() throws Exception {
        CountDownLatch callbackAttached = new CountDownLatch(1);
        LinkServer server = server((stream, epoch, seq, payload) -> {
            await(callbackAttached); // so that the callback runs on the link's thread, not on this one
            return Verdict.ACCEPT;
        });
        CheckpointStream stream = client(server).open(1, 1, 1);
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        CompletableFuture<Long> first = stream.send(new byte[] {1});
        first.thenRun(() -> {
            try {
                stream.sendAndAwait(new byte[] {2}, WAIT);
                thrown.complete(null);
            } catch (RuntimeException e) {
                thrown.complete(e);
            }
        });
        callbackAttached.countDown();
        assertThat(thrown.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
    }

    // ---- helpers

    private LinkServer server(LinkHandler handler) {
        return server(LinkOptions.defaults(), handler);
    }

    private LinkServer server(LinkOptions options, LinkHandler handler) {
        LinkServer s = LinkServer.start("127.0.0.1", 0, NODE, 1, handler, options);
        toClose.add(s);
        return s;
    }

    private LinkClient client(LinkServer server) {
        LinkClient c = LinkClient.connect("127.0.0.1", server.port(), NODE, 0, WAIT);
        toClose.add(c);
        return c;
    }

    private static LinkException failure(CompletableFuture<?> f) throws Exception {
        try {
            Object value = f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            throw new AssertionError("expected a failure, got " + value);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(LinkException.class);
            return (LinkException) e.getCause();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Writes the bytes on a fresh raw connection (then half-closes it if asked) and waits,
     * bounded, for the server to close it: EOF or a reset.
     */
    private static void assertClosedByServer(LinkServer server, byte[] bytes, boolean halfClose) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout((int) WAIT.toMillis());
            OutputStream out = s.getOutputStream();
            out.write(bytes);
            out.flush();
            if (halfClose) {
                s.shutdownOutput();
            }
            InputStream in = s.getInputStream();
            try {
                while (in.read() >= 0) {
                    // skip the server's HELLO, if it sent one
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("server did not close the connection within " + WAIT, e);
            } catch (SocketException e) {
                // reset: closed too
            }
        }
    }

    private static void answerHelloThenHangUp(ServerSocket fake) {
        try (Socket s = fake.accept()) {
            InputStream in = s.getInputStream();
            byte[] len = in.readNBytes(4);
            in.readNBytes(ByteBuffer.wrap(len).getInt());
            s.getOutputStream().write(frame(1, FrameType.HELLO.code, 0, 0, 0, new Hello(NODE, 1, 1024).encode()));
            // wait for the client's checkpoint, then hang up while the fake port keeps listening
            in.readNBytes(4);
        } catch (IOException e) {
            // the test fails on the client side if this goes wrong
        }
        try (Socket probe = fake.accept()) {
            // the client's probe: answered, so the CPU behind the port is alive
            InputStream in = probe.getInputStream();
            in.readNBytes(ByteBuffer.wrap(in.readNBytes(4)).getInt());
            probe.getOutputStream().write(frame(1, FrameType.HELLO.code, 0, 0, 0, new Hello(NODE, 1, 1024).encode()));
        } catch (IOException e) {
            // closed at the end of the test
        }
    }

    private static byte[] frame(int version, byte type, long stream, long epoch, long seq, ByteBuffer payload) {
        int n = payload.remaining();
        return ByteBuffer.allocate(FrameFormat.OVERHEAD + n).putInt(FrameFormat.HEADER_BYTES + n)
                .put((byte) version).put(type).putLong(stream).putLong(epoch).putLong(seq).put(payload).array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
