package org.openpair.emulator.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cluster.InMemoryMembership;
import org.openpair.emulator.cluster.Membership;

/**
 * A CPU cut off from the others (its lease messages go out and are never answered, as across a
 * partition that drops them) whose grants ran out starts takeovers of healthy CPUs that cannot
 * win. If its engine then drops those CPUs from its view in the middle of a round, the takeover
 * ends there; the revocation it began with must end with it. Otherwise, merged back, this CPU
 * answers a healthy holder's renewals with REVOKED for the revocation's whole length (10 lease
 * lengths), and a holder that needs this CPU's grant (the third CPU just died) fences its
 * primaries with no takeover under way: a chaos run lost two pairs so, a switch and a kill
 * three seconds after the cut-off CPU merged back.
 */
class LeaseCutOffTest {
    /** The lease here: its revocation lasts 20 s, twice the longest any wait below may take. */
    private static final Duration LEASE = Duration.ofMillis(2000);
    private static final Duration BOUND = Duration.ofSeconds(10);

    private record Sent(int cpu, LeaseWire.Request request) {
    }

    private final InMemoryMembership view = new InMemoryMembership(0, 1, 2);
    private final List<Sent> sent = new CopyOnWriteArrayList<>();
    private final Lease lease = new Lease(0, view, 2, Lease.Settings.of(LEASE), (cpu, ask) -> {
        sent.add(new Sent(cpu, LeaseWire.readRequest(ask)));
        // Cut off: the message leaves, no answer ever comes back.
        return new CompletableFuture<>();
    }, reason -> { }, () -> false, (cpu, evidence) -> { });

    @AfterEach
    void close() {
        lease.close();
    }

    private Membership.CpuMember cpu(int n) {
        return view.cpuMembers().stream().filter(m -> m.cpu() == n).findFirst().orElseThrow();
    }

    private LeaseWire.Answer renew(Membership.CpuMember holder) {
        return LeaseWire.readReply(lease.answerTo(LeaseWire.request(LeaseWire.Ask.RENEW, holder.cpu(),
                holder.member(), holder.member()))).answer();
    }

    /** Waits until the lease thread has started two renewal rounds from now, so one tick ran whole after this call. */
    private void awaitTwoRenewalRounds(UUID sender) {
        int from = sent.size();
        TestNodes.await("two renewal rounds", BOUND, () -> sent.stream().skip(from)
                .filter(s -> s.cpu() == 1 && s.request().ask() == LeaseWire.Ask.RENEW
                        && s.request().sender().equals(sender)).count() >= 2);
    }

    @Test
    void aTakeoverEndedByTheHoldersDepartureFromTheView_leavesNoRevocation_theHolderIsGrantedAfterTheMerge() {
        Membership.CpuMember holder = cpu(2);
        assertThat(renew(holder)).isEqualTo(LeaseWire.Answer.GRANTED);
        lease.start();
        // No renewal reaches this CPU any more: after a lease its grant to CPU 2 runs out and it
        // asks the others, who never answer, to revoke it.
        TestNodes.await("CPU 0 to ask the others to revoke CPU 2", BOUND, () -> sent.stream().anyMatch(s ->
                s.request().ask() == LeaseWire.Ask.REVOKE && s.request().member().equals(holder.member())));
        // Mid-round (a round waits half a second for answers), CPU 0's engine drops CPU 2.
        view.leave(2);
        awaitTwoRenewalRounds(view.localMember());

        // The cut heals: CPU 0 merges back under a new identity into the node CPU 2 stayed in.
        view.newIdentity();
        view.rejoin(holder);
        awaitTwoRenewalRounds(view.localMember());
        assertThat(renew(holder)).as("CPU 2's renewal after CPU 0 merged back").isEqualTo(LeaseWire.Answer.GRANTED);
        assertThat(view.evicted()).as("members handed to the engine").isEmpty();
    }
}
