package org.openpair.emulator.process;

import java.util.BitSet;

import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * A CPU's PINs: 1-65534, with 0 (the monitor's in NSK) and 255 reserved. Allocation moves a
 * cursor round the range instead of taking the lowest free PIN, so a PIN is reused as late as
 * possible and a stale {@code cpu,pin} typed by an operator rarely hits a new process.
 */
final class PinAllocator {
    static final int MAX_PIN = 65534;
    private static final int RESERVED = 255;

    private final BitSet used = new BitSet(MAX_PIN + 1);
    private final int limit;
    private int cursor = 0;
    private int inUse = 0;

    /** @param limit how many PINs may be in use at once (the process table's size) */
    PinAllocator(int limit) {
        this.limit = limit;
    }

    synchronized int allocate() {
        if (inUse >= limit) {
            throw new GuardianException(GuardianError.NO_ROOM, "process table full: " + inUse + " processes");
        }
        for (int tries = 0; tries < MAX_PIN; tries++) {
            cursor = cursor >= MAX_PIN ? 1 : cursor + 1;
            if (cursor != RESERVED && !used.get(cursor)) {
                used.set(cursor);
                inUse++;
                return cursor;
            }
        }
        throw new GuardianException(GuardianError.NO_ROOM, "no free PIN");
    }

    synchronized void release(int pin) {
        if (used.get(pin)) {
            used.clear(pin);
            inUse--;
        }
    }
}
