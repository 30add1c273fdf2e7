package org.openpair.emulator.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.UUID;

import org.junit.jupiter.api.Test;

/** The grantor's rules of the lease, on explicit monotonic times. */
class LeaseGrantsTest {
    private static final long MS = 1_000_000L;
    private static final long LEASE = 1000 * MS;
    private final LeaseGrants grants = new LeaseGrants(LEASE, LEASE / 2, 10_000 * MS, -5 * LEASE);
    private final UUID holder = UUID.randomUUID();
    private final UUID sender = UUID.randomUUID();

    @Test
    void aGrantRunsOneLeaseFromItsArrival_thenItIsATakeoverCandidate() {
        assertThat(grants.renew(2, holder, true, 0)).isEqualTo(LeaseWire.Answer.GRANTED);
        assertThat(grants.expired(LEASE - 1)).isEmpty();
        assertThat(grants.expired(LEASE)).extracting(LeaseGrants.Grant::cpu).containsExactly(2);
        assertThat(grants.renew(2, holder, true, LEASE + 5 * MS)).isEqualTo(LeaseWire.Answer.GRANTED);
        assertThat(grants.expired(LEASE + 10 * MS)).isEmpty();
    }

    @Test
    void aMemberNotInTheViewIsNotGranted_andLeavesNoRecord() {
        assertThat(grants.renew(2, holder, false, 0)).isEqualTo(LeaseWire.Answer.NOT_A_MEMBER);
        assertThat(grants.expired(10 * LEASE)).isEmpty();
    }

    @Test
    void aRevocationIsRefusedWhileTheHolderWasHeardWithinHalfALease_andAcceptedAfter() {
        grants.renew(2, holder, true, 0);
        LeaseWire.Reply early = grants.revoke(2, holder, 100 * MS);
        assertThat(early.answer()).isEqualTo(LeaseWire.Answer.REVOKE_REFUSED);
        assertThat(grants.renew(2, holder, true, 200 * MS)).as("a refused revocation leaves the holder granted")
                .isEqualTo(LeaseWire.Answer.GRANTED);

        LeaseWire.Reply late = grants.revoke(2, holder, 900 * MS);
        assertThat(late.answer()).isEqualTo(LeaseWire.Answer.REVOKE_ACCEPTED);
        assertThat(late.remainingNanos()).as("what was left of the grant of 200 ms").isEqualTo(300 * MS);
        assertThat(grants.renew(2, holder, true, 950 * MS)).isEqualTo(LeaseWire.Answer.REVOKED);
        assertThat(grants.expired(5000 * MS)).as("a revoked member is no candidate again").isEmpty();
    }

    @Test
    void aRevocationLapses_andOnlyForThatMember() {
        UUID next = UUID.randomUUID();
        grants.revokeForTakeover(2, holder, 0);
        assertThat(grants.renew(2, next, true, MS)).as("CPU 2 started again under a new identity")
                .isEqualTo(LeaseWire.Answer.GRANTED);
        assertThat(grants.renew(2, holder, true, 9_999 * MS)).isEqualTo(LeaseWire.Answer.REVOKED);
        grants.prune(m -> true, 10_000 * MS);
        assertThat(grants.renew(2, holder, true, 10_000 * MS)).isEqualTo(LeaseWire.Answer.GRANTED);
    }

    @Test
    void aLostTakeoverIsWithdrawn_andTheHolderIsGrantedAgain() {
        grants.renew(2, holder, true, 0);
        assertThat(grants.revokeForTakeover(2, holder, 400 * MS)).isEqualTo(600 * MS);
        assertThat(grants.renew(2, holder, true, 450 * MS)).isEqualTo(LeaseWire.Answer.REVOKED);
        grants.withdraw(holder);
        assertThat(grants.renew(2, holder, true, 500 * MS)).isEqualTo(LeaseWire.Answer.GRANTED);
    }

    @Test
    void withdrawingItsOwnLostTakeover_keepsTheRevocationPromisedToAnotherCpusTakeover() {
        grants.renew(2, holder, true, 0);
        assertThat(grants.revoke(2, holder, 900 * MS).answer()).isEqualTo(LeaseWire.Answer.REVOKE_ACCEPTED);
        grants.revokeForTakeover(2, holder, 1100 * MS);
        grants.withdraw(holder);
        assertThat(grants.renew(2, holder, true, 1200 * MS)).as("promised to the other CPU's takeover")
                .isEqualTo(LeaseWire.Answer.REVOKED);
        grants.prune(m -> true, 900 * MS + 10_000 * MS);
        assertThat(grants.renew(2, holder, true, 900 * MS + 10_000 * MS)).as("the promise lapsed")
                .isEqualTo(LeaseWire.Answer.GRANTED);
    }

    @Test
    void clearedGrants_leaveNoCandidate_butKeepTheRevocations() {
        grants.renew(2, holder, true, 0);
        UUID other = UUID.randomUUID();
        grants.revokeForTakeover(3, other, 0);
        grants.clearGrants(0);
        assertThat(grants.expired(10 * LEASE)).isEmpty();
        assertThat(grants.renew(3, other, true, MS)).isEqualTo(LeaseWire.Answer.REVOKED);
        assertThat(grants.renew(2, holder, true, MS)).isEqualTo(LeaseWire.Answer.GRANTED);
    }

    @Test
    void aCpuThatHasNotListenedForALease_refusesARevocationOfAHolderItHasNoGrantFor() {
        LeaseGrants fresh = new LeaseGrants(LEASE, LEASE / 2, 10_000 * MS, 0);
        assertThat(fresh.revoke(2, holder, 999 * MS).answer()).as("started 999 ms ago, never heard CPU 2")
                .isEqualTo(LeaseWire.Answer.REVOKE_REFUSED);
        assertThat(fresh.renew(2, holder, true, 999 * MS)).isEqualTo(LeaseWire.Answer.GRANTED);
        assertThat(fresh.revoke(3, UUID.randomUUID(), LEASE).answer()).as("a lease of listening, never heard CPU 3")
                .isEqualTo(LeaseWire.Answer.REVOKE_ACCEPTED);
        fresh.clearGrants(2 * LEASE);
        assertThat(fresh.revoke(2, holder, 2 * LEASE + MS).answer()).as("just after forgetting its grants")
                .isEqualTo(LeaseWire.Answer.REVOKE_REFUSED);
    }

    @Test
    void membersGoneFromTheViewLoseTheirGrants() {
        grants.renew(2, holder, true, 0);
        grants.prune(m -> false, MS);
        assertThat(grants.expired(10 * LEASE)).isEmpty();
        assertThat(grants.revoke(2, holder, 2 * MS).remainingNanos()).isZero();
    }

    @Test
    void aGrantAfterAnAloneNotice_isNoTakeoversToEnd_andTheNextPlainRenewalIsAgain() {
        grants.aloneNotice(holder, 0);
        grants.renew(2, holder, true, MS);
        assertThat(grants.expired(LEASE + MS)).extracting(LeaseGrants.Grant::alone).containsExactly(true);
        LeaseWire.Reply r = grants.revoke(2, holder, LEASE + 2 * MS);
        assertThat(r.answer()).as("a revocation of a CPU that carries a pair alone").isEqualTo(LeaseWire.Answer.REVOKE_REFUSED);
        assertThat(grants.renew(2, holder, true, LEASE + 3 * MS)).as("the holder thawed: renewed, not revoked")
                .isEqualTo(LeaseWire.Answer.GRANTED);
        // The renewal without a notice before it: its backup is ready again.
        assertThat(grants.expired(2 * LEASE + 3 * MS)).extracting(LeaseGrants.Grant::alone).containsExactly(false);
        assertThat(grants.revoke(2, holder, 2 * LEASE + 4 * MS).answer()).isEqualTo(LeaseWire.Answer.REVOKE_ACCEPTED);
    }

    @Test
    void anAloneNotice_countsForItsOwnMemberOnly_andNotWhenOlderThanALease() {
        UUID other = UUID.randomUUID();
        grants.aloneNotice(other, 0);
        grants.renew(2, holder, true, MS);
        assertThat(grants.expired(LEASE + MS)).extracting(LeaseGrants.Grant::alone).containsExactly(false);

        grants.aloneNotice(holder, 2 * LEASE);
        // Its renewal was lost; the next one comes a lease and more later.
        grants.renew(2, holder, true, 3 * LEASE);
        assertThat(grants.expired(4 * LEASE)).extracting(LeaseGrants.Grant::alone).containsExactly(false);
    }

    @Test
    void wire_roundTrips_andRefusesWhatItCannotRead() {
        LeaseWire.Request r = LeaseWire.readRequest(LeaseWire.request(LeaseWire.Ask.REVOKE, 7, holder, sender));
        assertThat(r).isEqualTo(new LeaseWire.Request(LeaseWire.Ask.REVOKE, 7, holder, sender));
        assertThat(LeaseWire.readReply(LeaseWire.reply(LeaseWire.Answer.REVOKE_ACCEPTED, 42)))
                .isEqualTo(new LeaseWire.Reply(LeaseWire.Answer.REVOKE_ACCEPTED, 42));
        assertThat(LeaseWire.readRequest(ByteBuffer.wrap(new byte[] {1, 2, 3}))).isNull();
        ByteBuffer otherVersion = LeaseWire.request(LeaseWire.Ask.RENEW, 1, holder, holder);
        otherVersion.put(0, (byte) 9);
        assertThat(LeaseWire.readRequest(otherVersion)).isNull();
        ByteBuffer badKind = LeaseWire.reply(LeaseWire.Answer.GRANTED, 0);
        badKind.put(1, (byte) 77);
        assertThat(LeaseWire.readReply(badKind).answer()).as("an unknown answer is no grant")
                .isEqualTo(LeaseWire.Answer.UNREADABLE);
        assertThat(LeaseWire.readReply(LeaseWire.reply(LeaseWire.Answer.GRANTED, -5)).remainingNanos()).isZero();
        // ALONE is the last kind: a CPU of the version before reads it as a kind it does not
        // know, answers UNREADABLE, and still grants the RENEW that follows.
        assertThat(LeaseWire.Ask.ALONE.ordinal()).isEqualTo(LeaseWire.Ask.values().length - 1);
        assertThat(LeaseWire.readRequest(LeaseWire.request(LeaseWire.Ask.ALONE, 3, holder, holder)))
                .isEqualTo(new LeaseWire.Request(LeaseWire.Ask.ALONE, 3, holder, holder));
    }
}
