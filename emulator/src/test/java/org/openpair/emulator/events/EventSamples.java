package org.openpair.emulator.events;

import java.time.Instant;
import java.util.List;

import org.openpair.emulator.names.Epochs;
import org.openpair.guardian.ProcessHandle;

/** One event of every kind, and each in a record as the node's ring holds it: for the codec tests. */
public final class EventSamples {
    private static final ProcessHandle P = new ProcessHandle("N1", 1, 7, 99);
    private static final ProcessHandle Q = new ProcessHandle("N1", 2, 3, 100);
    private static final Instant AT = Instant.parse("2026-12-06T14:31:07.436Z");

    private EventSamples() {
    }

    public static List<Event> kinds() {
        return List.of(new Event.CpuUp(1, "127.0.0.1:5802"), new Event.CpuDown(0, "kernel evidence: EOF"),
                new Event.ProcessStarted(P, "$A", "java x.Y"), new Event.ProcessStarted(P, null, "sleep 1"),
                new Event.ProcessEnded(P, "$A", "java x.Y", -4, "CPU_DOWN", "CPU 1 failed"),
                new Event.ProcessEnded(P, null, "sleep", 0, "RETURNED", null),
                new Event.Takeover("$A", "CPU_FAILED", P, Q, Epochs.next(Epochs.first(1), 2), 19),
                new Event.Takeover("$A", "SWITCH", null, Q, 5, -1),
                new Event.Switch("$A", P, Q, Epochs.first(1)), new Event.Fence(P, "$A", "lost the quorum"),
                new Event.Fence(P, null, "x"), new Event.SemaphoreOrphaned("s1", P, 2),
                new Event.Upgrade("$A", P, Q, "/opt/app/v2.jar:/opt/app/lib"), new Event.Upgrade("$A", null, Q, ""),
                new Event.RecordRepaired("name table", "$A", "removed", "primary 0,1, epoch 1@0"));
    }

    /** The EVENTS call's question and answer, at their bounds and in between. */
    public static List<Object> callValues() {
        return List.of(new EventQuery(0, 1, 0), new EventQuery(42, EventQuery.MAX_BATCH, EventQuery.MAX_WAIT_MILLIS),
                new EventBatch(records(), 13, 0), new EventBatch(List.of(), 7, 5));
    }

    /** Every kind in a record, as the ring stores it. */
    public static List<EventRecord> records() {
        List<Event> kinds = kinds();
        return java.util.stream.IntStream.range(0, kinds.size())
                .mapToObj(i -> new EventRecord(i + 1, AT, "N1", i % 3, kinds.get(i))).toList();
    }
}
