package org.openpair.emulator.cpu;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * The grantor's side of the lease ({@link Lease}): what this CPU promised each other CPU, and
 * which members it promised a takeover never to grant again. Answered on the link's reader
 * thread, so everything here is a few map operations under this object's lock, and times are
 * the caller's monotonic reading.
 *
 * <p>A grant runs for one lease length from its arrival here, which is after the holder sent
 * it: the holder, which counts from its send, always believes its lease ends before any grantor
 * does. A revocation is accepted only when this CPU's own grant is nearly over too (less than
 * {@code stickyNanos} left), so one CPU that lost its link to a healthy holder cannot take that
 * holder's pairs away while the others still hear it; nor is it by a CPU that holds no grant of
 * that holder and has not been listening for a whole lease (a CPU just started or merged back,
 * which would otherwise agree to take over anyone). A revocation lasts {@code revokedNanos}:
 * long past the takeover that asked for it (which evicts the member from the engine, after
 * which nobody grants it anyway), and bounded, so that a takeover that never completed does not
 * leave a healthy CPU unable to hold a lease for ever.
 */
final class LeaseGrants {
    private final long leaseNanos;
    private final long stickyNanos;
    private final long revokedNanos;
    /** CPU number → the last grant to the member that carries it. */
    private final Map<Integer, Grant> grants = new HashMap<>();
    /**
     * Member → when the revocation this CPU promised another CPU's takeover lapses (monotonic).
     * Kept apart from its own: the takeover that asked counts on the promise, whatever becomes
     * of this CPU's own attempt on the same member.
     */
    private final Map<UUID, Long> promised = new HashMap<>();
    /** Member → when the revocation of this CPU's own takeover lapses; withdrawn if it does not win. */
    private final Map<UUID, Long> own = new HashMap<>();
    /**
     * Since when this CPU has been hearing renewals (its start, or its last {@link #clearGrants}):
     * a CPU with no grant for a holder knows nothing of it until a whole lease has passed.
     */
    private long listeningSince;
    /** Member → when its last ALONE notice arrived; the RENEW after it takes it into its grant. */
    private final Map<UUID, Long> aloneNotices = new HashMap<>();

    /**
     * @param alone the holder said, just before the renewal, that it runs a pair's only member:
     *              its loss would lose that pair, so no takeover on the lease ends this grant
     */
    record Grant(int cpu, UUID member, long expiresNanos, boolean alone) {
    }

    LeaseGrants(long leaseNanos, long stickyNanos, long revokedNanos, long now) {
        this.leaseNanos = leaseNanos;
        this.stickyNanos = stickyNanos;
        this.revokedNanos = revokedNanos;
        this.listeningSince = now;
    }

    /** A renewal from {@code member}, CPU {@code cpu}, arrived at {@code now}. */
    synchronized LeaseWire.Answer renew(int cpu, UUID member, boolean isMember, long now) {
        if (isRevoked(member, now)) {
            return LeaseWire.Answer.REVOKED;
        }
        Long notice = aloneNotices.remove(member);
        if (!isMember) {
            return LeaseWire.Answer.NOT_A_MEMBER;
        }
        // A notice older than a lease belongs to no renewal of now (one whose RENEW was lost).
        boolean alone = notice != null && now - notice < leaseNanos;
        grants.put(cpu, new Grant(cpu, member, now + leaseNanos, alone));
        return LeaseWire.Answer.GRANTED;
    }

    /** {@code member} runs a pair's only member: the RENEW that follows on the same link carries it. */
    synchronized void aloneNotice(UUID member, long now) {
        aloneNotices.put(member, now);
    }

    /**
     * Another CPU's takeover asks this one to stop granting {@code member}: accepted (and kept)
     * unless this CPU's grant to it has more than the sticky time left.
     *
     * @return the answer, and what was left of this CPU's grant (0 if none or over)
     */
    synchronized LeaseWire.Reply revoke(int cpu, UUID member, long now) {
        long left = remaining(cpu, member, now);
        Grant g = grants.get(cpu);
        boolean heard = g != null && g.member().equals(member);
        // No grant and not listening for a lease yet (just started, or merged back): this CPU
        // cannot tell a hung holder from a healthy one it has not heard from yet.
        // Nor a holder whose last renewal said it runs a pair's only member: a pause would cost
        // that pair, which the engine's heartbeat, slower to call a CPU dead, may spare.
        if (left > stickyNanos || (!heard && now - listeningSince < leaseNanos) || (heard && g.alone())) {
            return new LeaseWire.Reply(LeaseWire.Answer.REVOKE_REFUSED, left);
        }
        promised.put(member, now + revokedNanos);
        return new LeaseWire.Reply(LeaseWire.Answer.REVOKE_ACCEPTED, left);
    }

    /** This CPU's own takeover of {@code member} starts: it grants it nothing more from now. */
    synchronized long revokeForTakeover(int cpu, UUID member, long now) {
        own.put(member, now + revokedNanos);
        return remaining(cpu, member, now);
    }

    /**
     * This CPU's own takeover of {@code member} did not win the others: it may grant it again,
     * unless it promised another CPU's takeover not to.
     */
    synchronized void withdraw(UUID member) {
        own.remove(member);
    }

    /** The grants that ran out before {@code now} and whose member is not revoked: takeover candidates. */
    synchronized List<Grant> expired(long now) {
        List<Grant> out = new ArrayList<>();
        for (Grant g : grants.values()) {
            if (now - g.expiresNanos() >= 0 && !isRevoked(g.member(), now)) {
                out.add(g);
            }
        }
        return out;
    }

    /** Forgets every grant (not the revocations): a new grant starts from the next renewal. */
    synchronized void clearGrants(long now) {
        grants.clear();
        listeningSince = now;
    }

    /** Drops the grants of members gone from this CPU's view and revocations that lapsed. */
    synchronized void prune(Predicate<UUID> isMember, long now) {
        grants.values().removeIf(g -> !isMember.test(g.member()));
        aloneNotices.values().removeIf(at -> now - at >= leaseNanos);
        for (Map<UUID, Long> revoked : List.of(promised, own)) {
            for (Iterator<Map.Entry<UUID, Long>> i = revoked.entrySet().iterator(); i.hasNext(); ) {
                if (now - i.next().getValue() >= 0) {
                    i.remove();
                }
            }
        }
    }

    /** The last grant to CPU {@code cpu}, or null. */
    synchronized Grant grantOf(int cpu) {
        return grants.get(cpu);
    }

    private long remaining(int cpu, UUID member, long now) {
        Grant g = grants.get(cpu);
        if (g == null || !g.member().equals(member)) {
            return 0;
        }
        return Math.max(0, g.expiresNanos() - now);
    }

    private boolean isRevoked(UUID member, long now) {
        return lasts(promised.get(member), now) || lasts(own.get(member), now);
    }

    private static boolean lasts(Long until, long now) {
        return until != null && now - until < 0;
    }
}
