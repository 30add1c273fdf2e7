package org.openpair.emulator.cpu;

import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * The lease's messages on the CPU link: a REQUEST on open {@value #OPEN} and its REPLY. Open IDs
 * of process opens are positive ({@code messages.ProcessOpen}), CPU calls use 0, so a negative
 * open is the node's own. Fixed layouts, one version byte first: a peer of another version is
 * answered {@link Answer#UNREADABLE} and counts as no grant, never as one.
 */
final class LeaseWire {
    static final long OPEN = -1;
    private static final byte VERSION = 1;
    /** Version, kind, CPU, member UUID, sender's member UUID. */
    private static final int ASK_BYTES = 1 + 1 + 4 + 16 + 16;
    private static final int ANSWER_BYTES = 1 + 1 + 8;

    /**
     * RENEW: grant the sender's lease; REVOKE: stop granting the member named; EVICT: the member
     * named lost its lease for sure (a takeover won its quorum): hand it to the engine too, so
     * that every survivor stops trusting it at once (when it was the engine's master, the next
     * in line can claim mastership only when the others let the old master go as well); ALONE,
     * sent just before a RENEW on the same link: the sender runs the only member of a pair able
     * to carry it, so the grant that RENEW gets is not to be ended by a takeover on the lease.
     * Last, so that a CPU of the version before answers it {@link Answer#UNREADABLE} and grants
     * as before.
     */
    enum Ask { RENEW, REVOKE, EVICT, ALONE }

    enum Answer {
        /** The holder's lease is granted for another lease length from its arrival. */
        GRANTED,
        /** Not granted: the holder is not a member in this CPU's view (it left, or has not joined yet). */
        NOT_A_MEMBER,
        /** Not granted: this CPU promised a takeover not to grant that member again. */
        REVOKED,
        /** The revocation is accepted; {@code remainingNanos} is what was left of this CPU's last grant. */
        REVOKE_ACCEPTED,
        /** The revocation is refused: the holder renewed here recently, it is not hung. */
        REVOKE_REFUSED,
        /** The eviction is taken: this CPU hands the member to the engine too. */
        EVICTING,
        /** The message could not be read. */
        UNREADABLE,
        /** The ALONE notice is taken: it marks the grant of the RENEW that follows it. */
        NOTED
    }

    /**
     * @param sender the asking CPU's member identity: a CPU the receiver no longer counts as a
     *               member (thawed after the node removed it) may not revoke or evict anyone
     */
    record Request(Ask ask, int cpu, UUID member, UUID sender) {
    }

    record Reply(Answer answer, long remainingNanos) {
    }

    private LeaseWire() {
    }

    static ByteBuffer request(Ask ask, int cpu, UUID member, UUID sender) {
        ByteBuffer b = ByteBuffer.allocate(ASK_BYTES);
        b.put(VERSION).put((byte) ask.ordinal()).putInt(cpu).putLong(member.getMostSignificantBits())
                .putLong(member.getLeastSignificantBits()).putLong(sender.getMostSignificantBits())
                .putLong(sender.getLeastSignificantBits());
        return b.flip();
    }

    /** @return null if the bytes are not a request of this version */
    static Request readRequest(ByteBuffer b) {
        if (b.remaining() != ASK_BYTES || b.get() != VERSION) {
            return null;
        }
        int kind = b.get();
        if (kind < 0 || kind >= Ask.values().length) {
            return null;
        }
        int cpu = b.getInt();
        UUID member = new UUID(b.getLong(), b.getLong());
        return new Request(Ask.values()[kind], cpu, member, new UUID(b.getLong(), b.getLong()));
    }

    static ByteBuffer reply(Answer answer, long remainingNanos) {
        ByteBuffer b = ByteBuffer.allocate(ANSWER_BYTES);
        b.put(VERSION).put((byte) answer.ordinal()).putLong(remainingNanos);
        return b.flip();
    }

    static Reply readReply(ByteBuffer b) {
        if (b.remaining() != ANSWER_BYTES || b.get() != VERSION) {
            return new Reply(Answer.UNREADABLE, 0);
        }
        int kind = b.get();
        if (kind < 0 || kind >= Answer.values().length) {
            return new Reply(Answer.UNREADABLE, 0);
        }
        return new Reply(Answer.values()[kind], Math.max(0, b.getLong()));
    }
}
