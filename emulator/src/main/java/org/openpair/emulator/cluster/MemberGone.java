package org.openpair.emulator.cluster;

/**
 * A call's target is not a member of the node (any more), or this member or client has stopped:
 * the call did not run, or its answer was lost with the member.
 */
public final class MemberGone extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MemberGone(String message, Throwable cause) {
        super(message, cause);
    }
}
