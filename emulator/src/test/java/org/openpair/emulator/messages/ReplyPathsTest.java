package org.openpair.emulator.messages;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openpair.emulator.link.LinkClient;
import org.openpair.emulator.link.LinkReply;
import org.openpair.emulator.link.LinkServer;
import org.openpair.emulator.link.ReplyPath;
import org.openpair.emulator.link.Verdict;
import org.openpair.guardian.GuardianError;

/**
 * A request's answer reaches every path a resend of it arrived on, including a resend that
 * arrives while the answer is leaving (after the paths were read for it, before the request
 * was taken out of the server's table). Real link connections on 127.0.0.1: the original
 * request and its resend come from two requesters' connections, and what each requester
 * receives is what is checked.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReplyPathsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long OPEN = 7;
    private static final long SYNC = 1;
    private static final long EPOCH = 3;

    private final List<AutoCloseable> opened = new ArrayList<>();
    private final BlockingQueue<ReplyPath> arrived = new LinkedBlockingQueue<>();
    private LinkServer server;

    @BeforeEach
    void start() {
        server = LinkServer.start("127.0.0.1", 0, "TEST", 1, (stream, epoch, seq, payload) -> Verdict.ACCEPT);
        opened.add(server);
        server.serveRequests((openId, syncId, payload, path) -> arrived.add(path));
    }

    @AfterEach
    void close() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    @Test
    void aResendBeforeTheAnswer_bothRequestersGetIt() throws Exception {
        Request first = request(0);
        ReplyPaths paths = new ReplyPaths(first.path);
        Request resend = request(2);

        assertThat(paths.add(resend.path)).as("the answer is not given yet").isNull();
        ByteBuffer answer = answer("counted 1");
        send(paths.answer(answer), answer);

        assertEachReceived("counted 1", first, resend);
    }

    @Test
    void aResendWhileTheAnswerLeaves_getsTheSameAnswer() throws Exception {
        Request first = request(0);
        ReplyPaths paths = new ReplyPaths(first.path);
        ByteBuffer answer = answer("counted 1");
        List<ReplyPath> leaving = paths.answer(answer);
        // The resend arrives after the paths were read for the answer, before it left.
        Request resend = request(2);
        ByteBuffer late = paths.add(resend.path);
        send(leaving, answer);

        assertThat(late).as("the answer, for the resend's path").isNotNull();
        resend.path.reply(OPEN, SYNC, EPOCH, late);
        assertEachReceived("counted 1", first, resend);
    }

    @Test
    void theFirstAnswerIsTheAnswer_aLaterOneGoesNowhere_andResendsGetTheFirst() throws Exception {
        Request first = request(0);
        ReplyPaths paths = new ReplyPaths(first.path);
        ByteBuffer answer = answer("counted 1");
        send(paths.answer(answer), answer);

        assertThat(paths.answer(MessageFormat.error(GuardianError.PATH_DOWN, "ended"))).isEmpty();
        Request resend = request(2);
        resend.path.reply(OPEN, SYNC, EPOCH, paths.add(resend.path));
        assertEachReceived("counted 1", first, resend);
    }

    @Test
    void aResendOnThePathAlreadyHeld_isAnsweredOnce() throws Exception {
        Request first = request(0);
        ReplyPaths paths = new ReplyPaths(first.path);

        assertThat(paths.add(first.path)).isNull();
        assertThat(paths.answer(answer("counted 1"))).containsExactly(first.path);
    }

    /** A REQUEST from a requester on CPU {@code cpu}'s own connection, as it arrived at the server. */
    private Request request(int cpu) throws InterruptedException {
        LinkClient client = LinkClient.connect("127.0.0.1", server.port(), "TEST", cpu, WAIT);
        opened.add(client);
        CompletableFuture<LinkReply> reply = client.request(OPEN, SYNC, ByteBuffer.wrap(new byte[] {1}));
        ReplyPath path = arrived.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(path).as("the request reached the server").isNotNull();
        return new Request(path, reply);
    }

    private static void send(List<ReplyPath> paths, ByteBuffer payload) {
        for (ReplyPath path : paths) {
            assertThat(path.reply(OPEN, SYNC, EPOCH, payload.duplicate())).isTrue();
        }
    }

    private static ByteBuffer answer(String text) {
        return MessageFormat.ok(text.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertEachReceived(String expected, Request... requests) throws Exception {
        for (Request r : requests) {
            assertThat(text(r.reply)).as("what %s's requester received", r.path).isEqualTo(expected);
        }
    }

    /** What a requester received: the reply's text, or its error number. */
    private static String text(CompletableFuture<LinkReply> reply) throws Exception {
        LinkReply r = reply.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(r.epoch()).isEqualTo(EPOCH);
        int status = MessageFormat.status(r.payload());
        return status == 0 ? new String(MessageFormat.body(r.payload()), StandardCharsets.UTF_8) : "error " + status;
    }

    private record Request(ReplyPath path, CompletableFuture<LinkReply> reply) {
    }
}
