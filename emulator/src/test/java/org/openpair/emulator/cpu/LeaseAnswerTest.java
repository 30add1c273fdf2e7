package org.openpair.emulator.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.cluster.InMemoryMembership;
import org.openpair.emulator.cluster.Membership;

/**
 * What a CPU answers the lease's messages, against a view of the node a test sets: a CPU the
 * node removed (thawed after a freeze, not merged back) decides nobody's fate, however stale
 * the holder's grant here.
 */
class LeaseAnswerTest {
    private final InMemoryMembership view = new InMemoryMembership(0, 1, 2);
    private final Lease lease = new Lease(0, view, 2, Lease.Settings.of(Duration.ofMillis(1000)), (cpu, ask) -> null,
            reason -> { }, () -> false, (cpu, evidence) -> { });

    @AfterEach
    void close() {
        lease.close();
    }

    private UUID memberOf(int cpu) {
        return view.cpuMembers().stream().filter(m -> m.cpu() == cpu).map(Membership.CpuMember::member).findFirst()
                .orElseThrow();
    }

    private LeaseWire.Reply ask(LeaseWire.Ask ask, int cpu, UUID member, UUID sender) {
        return LeaseWire.readReply(lease.answerTo(LeaseWire.request(ask, cpu, member, sender)));
    }

    @Test
    void aRevocationFromANonMember_isRefused_andTheHolderStaysGranted() {
        UUID holder = memberOf(1);
        assertThat(ask(LeaseWire.Ask.RENEW, 1, holder, holder).answer()).isEqualTo(LeaseWire.Answer.GRANTED);
        UUID removed = UUID.randomUUID();
        // A stranger's revocation or eviction is refused outright, before any grant is looked at.
        for (LeaseWire.Ask a : new LeaseWire.Ask[] {LeaseWire.Ask.REVOKE, LeaseWire.Ask.EVICT}) {
            assertThat(ask(a, 1, holder, removed).answer()).as(a.toString()).isEqualTo(LeaseWire.Answer.NOT_A_MEMBER);
        }
        assertThat(ask(LeaseWire.Ask.RENEW, 1, holder, holder).answer()).isEqualTo(LeaseWire.Answer.GRANTED);
        assertThat(view.evicted()).isEmpty();
    }

    @Test
    void aMembersRevocation_ofAHolderHeardJustNow_isRefused() {
        UUID holder = memberOf(1);
        ask(LeaseWire.Ask.RENEW, 1, holder, holder);
        LeaseWire.Reply r = ask(LeaseWire.Ask.REVOKE, 1, holder, memberOf(2));
        assertThat(r.answer()).isEqualTo(LeaseWire.Answer.REVOKE_REFUSED);
        assertThat(r.remainingNanos()).isPositive();
    }

    @Test
    void anAloneNotice_isNoted_andTheRenewalAfterItIsGranted() {
        UUID holder = memberOf(1);
        assertThat(ask(LeaseWire.Ask.ALONE, 1, holder, holder).answer()).isEqualTo(LeaseWire.Answer.NOTED);
        assertThat(ask(LeaseWire.Ask.RENEW, 1, holder, holder).answer()).isEqualTo(LeaseWire.Answer.GRANTED);
    }

    @Test
    void garbage_isUnreadable_andNoGrant() {
        ByteBuffer junk = ByteBuffer.wrap(new byte[] {1, 0, 0});
        assertThat(LeaseWire.readReply(lease.answerTo(junk)).answer()).isEqualTo(LeaseWire.Answer.UNREADABLE);
    }
}
