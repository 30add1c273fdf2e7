package org.openpair.emulator.names;

import java.util.function.Supplier;

import org.openpair.emulator.cluster.QuorumRefusal;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * The name table refuses every change on a member that sees fewer CPUs than the node's quorum
 * (the engine's split-brain protection on the map, set up in
 * {@link org.openpair.emulator.cluster.EngineConfigs}, which the table reports as a
 * {@link QuorumRefusal}): such a member may be the small side of a split, and must not make
 * anyone primary. A user call that meets the refusal gets Guardian error 66 (device down: to the
 * rest of the node, this CPU is down) with the reason, never the engine's exception, which the
 * client protocol would not carry as a Guardian error.
 */
public final class NameTableQuorum {
    /** How deep a refusal may sit in a chain of causes: futures wrap their failures. */
    private static final int MAX_CAUSES = 8;

    private NameTableQuorum() {
    }

    /**
     * Runs a change of the name table; a split-brain refusal becomes error 66.
     *
     * @param where who asks, as a person reads it ("CPU 2")
     * @param what  the change, as a person reads it ("naming $SRV")
     */
    public static <T> T write(String where, String what, Supplier<T> change) {
        try {
            return change.get();
        } catch (RuntimeException e) {
            if (!isRefusal(e)) {
                throw e;
            }
            throw refusal(where, what, e);
        }
    }

    /** The Guardian error for a refused change. */
    public static GuardianException refusal(String where, String what, Throwable cause) {
        return new GuardianException(GuardianError.DEVICE_DOWN, where + " sees fewer CPUs than the node's quorum, so the "
                + "name table refuses " + what + " there: it may be on the small side of a split, where nobody may be "
                + "made primary; try again on a CPU of the majority, or once the node is whole", cause);
    }

    /** True when {@code e}, or one of its causes, is the name table's split-brain refusal. */
    public static boolean isRefusal(Throwable e) {
        Throwable t = e;
        for (int depth = 0; t != null && depth < MAX_CAUSES; depth++) {
            if (t instanceof QuorumRefusal) {
                return true;
            }
            t = t.getCause();
        }
        return false;
    }
}
