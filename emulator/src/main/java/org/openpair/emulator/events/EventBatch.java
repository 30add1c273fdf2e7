package org.openpair.emulator.events;

import java.util.List;

/**
 * What a read of the ring found: {@code events} in sequence order, the sequence to ask from
 * next, and how many events between the asked sequence and the first returned the ring had
 * already overwritten (a reader that fell behind learns it lost them).
 */
public record EventBatch(List<EventRecord> events, long next, long lost) {
    public EventBatch {
        events = List.copyOf(events);
    }
}
