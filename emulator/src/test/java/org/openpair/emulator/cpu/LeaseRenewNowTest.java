package org.openpair.emulator.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cluster.InMemoryMembership;

/**
 * A change in whether a CPU carries a pair alone reaches the others at once, not at the lease's
 * next beat: a CPU frozen in between is held by the others for what its last renewal said (bench
 * takeover froze one a few ms after its pair's backup was ready, and it was left to the
 * heartbeat). A lease of 10 s renews every second, so a renewal within the bound here is the
 * one asked for.
 */
class LeaseRenewNowTest {
    private static final Duration LEASE = Duration.ofSeconds(10);

    private record Sent(int cpu, LeaseWire.Request request) {
    }

    private final InMemoryMembership view = new InMemoryMembership(0, 1, 2);
    private final List<Sent> sent = new CopyOnWriteArrayList<>();
    private final AtomicBoolean alone = new AtomicBoolean(true);
    private final Lease lease = new Lease(0, view, 2, Lease.Settings.of(LEASE), (cpu, ask) -> {
        if (cpu == 2) {
            // CPU 2 is slow to take its asks, so a round is granted (by CPU 1) before it has them.
            pause(Duration.ofMillis(30));
        }
        LeaseWire.Request r = LeaseWire.readRequest(ask);
        sent.add(new Sent(cpu, r));
        ByteBuffer reply = LeaseWire.reply(r.ask() == LeaseWire.Ask.ALONE ? LeaseWire.Answer.NOTED
                : LeaseWire.Answer.GRANTED, 0);
        return CompletableFuture.completedFuture(reply);
    }, reason -> { }, alone::get, (cpu, evidence) -> { });

    @AfterEach
    void close() {
        lease.close();
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private List<LeaseWire.Ask> asksTo(int cpu, int from) {
        return sent.stream().skip(from).filter(s -> s.cpu() == cpu).map(s -> s.request().ask()).toList();
    }

    /**
     * A round completes on the quorum's grants, one CPU's here, while the lease thread may still
     * be sending it to the other: a round is read once every CPU has its renewal.
     */
    private void awaitRoundSent(int from) {
        TestNodes.await("the round's renewal at CPUs 1 and 2", Duration.ofSeconds(5),
                () -> asksTo(1, from).contains(LeaseWire.Ask.RENEW) && asksTo(2, from).contains(LeaseWire.Ask.RENEW));
    }

    @Test
    void renewNow_sendsWhatTheCpuCarriesNow_andCompletesOnceGranted() throws Exception {
        assertThat(lease.renewNow().get(5, TimeUnit.SECONDS)).as("the first round granted").isTrue();
        awaitRoundSent(0);
        assertThat(asksTo(1, 0)).as("carrying a pair alone: the notice, then the renewal")
                .containsExactly(LeaseWire.Ask.ALONE, LeaseWire.Ask.RENEW);
        assertThat(asksTo(2, 0)).containsExactly(LeaseWire.Ask.ALONE, LeaseWire.Ask.RENEW);
        assertThat(lease.held()).isTrue();

        // Its backup is ready now: the next round, asked for at once, carries no notice.
        alone.set(false);
        int from = sent.size();
        assertThat(lease.renewNow().get(5, TimeUnit.SECONDS)).as("the round after the change granted").isTrue();
        awaitRoundSent(from);
        assertThat(asksTo(1, from)).containsExactly(LeaseWire.Ask.RENEW);
        assertThat(asksTo(2, from)).containsExactly(LeaseWire.Ask.RENEW);
    }

    @Test
    void renewNow_ofAClosedLease_completesFalse() throws Exception {
        lease.close();
        assertThat(lease.renewNow().get(5, TimeUnit.SECONDS)).isFalse();
        assertThat(sent).isEmpty();
    }
}
