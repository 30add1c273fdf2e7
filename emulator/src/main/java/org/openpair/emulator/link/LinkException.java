package org.openpair.emulator.link;

import java.util.Objects;
import java.util.Optional;

/**
 * A checkpoint was not acknowledged, or a link could not be made. {@link #kind()} says what
 * produced the failure and so what the sender may conclude: only {@link Kind#REFUSED} means
 * the receiver has seen the checkpoint and does not hold it, only {@link Kind#PEER_GONE} is
 * evidence that the peer's JVM is dead; after every other kind the receiver may or may not
 * hold it.
 *
 * <p>Unchecked, like {@code GuardianException}: sends are chained in futures and lambdas, and
 * the pairs layer turns each kind into its own Guardian outcome.
 */
public final class LinkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What produced a {@link LinkException}. */
    public enum Kind {
        /** The receiver's handler (or the link, for {@link Verdict#WRONG_NODE}) refused it; see {@link #reason()}. */
        REFUSED,
        /** The connection broke, stalled or carried a bad frame, and the peer's port still
         *  answers or could not be reached: no evidence that the peer is dead. */
        LINK_DOWN,
        /** The connection ended (EOF or reset) and one immediate reconnect to the same port was
         *  refused by the peer's kernel, or reset before the peer answered it: its JVM is gone.
         *  Also a connect that was refused. */
        PEER_GONE,
        /** No ack (or no room to queue the checkpoint) within the caller's timeout; the link
         *  is still up and the ack may yet come. */
        TIMEOUT,
        /** This side closed the client before the ack came. */
        CLOSED,
        /** The waiting thread was interrupted; its interrupt flag is set again. */
        INTERRUPTED
    }

    private final Kind kind;
    private final Verdict reason;

    LinkException(Kind kind, String message) {
        this(kind, null, message, null);
    }

    LinkException(Kind kind, String message, Throwable cause) {
        this(kind, null, message, cause);
    }

    LinkException(Kind kind, Verdict reason, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        if ((kind == Kind.REFUSED) != (reason != null && reason != Verdict.ACCEPT)) {
            throw new IllegalArgumentException("a refusal needs a reason and only a refusal has one: " + kind + " "
                    + reason);
        }
        this.reason = reason;
    }

    /** What produced this failure. */
    public Kind kind() {
        return kind;
    }

    /** Why the receiver refused, present only when {@link #kind()} is {@link Kind#REFUSED}. */
    public Optional<Verdict> reason() {
        return Optional.ofNullable(reason);
    }

    /** The same failure thrown again in the caller's thread, so that its stack shows the caller. */
    LinkException rethrown() {
        return new LinkException(kind, reason, getMessage(), this);
    }
}
