package org.openpair.emulator.link;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pool's connects over real links on 127.0.0.1: a connect that cannot finish (a hung CPU, a
 * look-up of its address that waits on the engine) holds up no other CPU's link, and callers of
 * one CPU share one connect.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LinkPoolTest {
    private static final String NODE = "TEST";
    private static final Duration WAIT = Duration.ofSeconds(20);

    @AutoClose
    private final Opened toClose = new Opened();

    @Test
    void aConnectThatHangs_holdsUpNoOtherCpusLink() throws Exception {
        LinkServer server = server();
        CountDownLatch hungConnectEntered = new CountDownLatch(1);
        CountDownLatch releaseHungConnect = new CountDownLatch(1);
        LinkPool pool = pool(cpu -> {
            if (cpu == 1) {
                hungConnectEntered.countDown();
                await(releaseHungConnect);
            }
            return LinkClient.connect("127.0.0.1", server.port(), NODE, 0, WAIT);
        });
        CompletableFuture<LinkClient> toHung = CompletableFuture.supplyAsync(() -> pool.client(1));
        try {
            assertThat(hungConnectEntered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the connect to CPU 1 began")
                    .isTrue();

            CompletableFuture<LinkClient> toHealthy = CompletableFuture.supplyAsync(() -> pool.client(2));
            LinkClient healthy = toHealthy.get(WAIT.toSeconds(), TimeUnit.SECONDS);

            assertThat(healthy.isUp()).as("CPU 2's link, while CPU 1's connect still hangs").isTrue();
            assertThat(toHung).as("CPU 1's connect").isNotDone();
        } finally {
            releaseHungConnect.countDown();
        }
        assertThat(toHung.get(WAIT.toSeconds(), TimeUnit.SECONDS).isUp()).as("CPU 1's link once its connect ends")
                .isTrue();
    }

    @Test
    void callersOfOneCpu_shareOneConnect() throws Exception {
        LinkServer server = server();
        AtomicInteger connects = new AtomicInteger();
        CountDownLatch firstConnectEntered = new CountDownLatch(1);
        CountDownLatch releaseFirstConnect = new CountDownLatch(1);
        LinkPool pool = pool(cpu -> {
            connects.incrementAndGet();
            firstConnectEntered.countDown();
            await(releaseFirstConnect);
            return LinkClient.connect("127.0.0.1", server.port(), NODE, 0, WAIT);
        });
        CompletableFuture<LinkClient> first = CompletableFuture.supplyAsync(() -> pool.client(3));
        assertThat(firstConnectEntered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        CompletableFuture<LinkClient> second = CompletableFuture.supplyAsync(() -> pool.client(3));
        releaseFirstConnect.countDown();

        assertThat(second.get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .isSameAs(first.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertThat(connects).hasValue(1);
    }

    private LinkServer server() {
        LinkServer s = LinkServer.start("127.0.0.1", 0, NODE, 1, (stream, epoch, seq, payload) -> Verdict.ACCEPT,
                LinkOptions.defaults());
        toClose.add(s);
        return s;
    }

    private LinkPool pool(java.util.function.IntFunction<LinkClient> connect) {
        LinkPool p = new LinkPool(connect);
        toClose.add(p);
        return p;
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never released the connect");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
