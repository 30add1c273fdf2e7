package org.openpair.emulator.cli;

import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/** No CPU of the node answered: nothing runs there, or the addresses are wrong. */
final class NodeUnreachableException extends GuardianException {
    private static final long serialVersionUID = 1L;

    NodeUnreachableException(String message) {
        super(GuardianError.DEVICE_DOWN, message);
    }
}
