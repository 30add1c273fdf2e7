package org.openpair.emulator.cluster;

/**
 * A table guarded by the node's quorum refused a change: this member sees fewer CPUs than the
 * quorum, so it may be on the small side of a split. Thrown by {@link Table} writes (and carried
 * by the failed stage of an asynchronous one) in place of the engine's own exception.
 */
public final class QuorumRefusal extends RuntimeException {
    private static final long serialVersionUID = 1L;

    QuorumRefusal(String message, Throwable cause) {
        super(message, cause);
    }
}
