package org.openpair.emulator.attach;

import org.openpair.emulator.events.EventBatch;
import org.openpair.emulator.events.EventLog;
import org.openpair.emulator.events.EventQuery;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/** The {@code EVENTS} call of a guest: the node's event ring, read through the CPU that serves it. */
final class EventCalls {
    private EventCalls() {
    }

    /**
     * Reads as {@code query} asks, through CPU {@code cpu}'s log.
     *
     * @throws GuardianException 66 the CPU keeps no log (it is stopping) or the ring failed; 40 the
     *                           ring did not answer; 2 the command gave up waiting (a cancel)
     */
    static EventBatch read(String node, int cpu, EventQuery query) {
        EventLog log = EventLog.of(node, cpu).orElseThrow(() -> new GuardianException(GuardianError.DEVICE_DOWN,
                "CPU " + cpu + " keeps no event log (it is stopping)"));
        try {
            return log.read(query);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuardianException(GuardianError.INVALID_OPERATION, "the read of the events was cancelled");
        }
    }
}
