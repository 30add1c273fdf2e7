package org.openpair.emulator.cluster;

/**
 * A call one member ships to another ({@link Engine#call}, {@link Engine#tell}): plain data,
 * encoded by the runtime's codec, run on the receiving member's call threads.
 *
 * @param <R> what it answers
 */
public interface MemberCall<R> {
    /** Runs on the member {@code here}; what it needs of that member it finds in {@link Engine#userContext}. */
    R runOn(Engine here);
}
