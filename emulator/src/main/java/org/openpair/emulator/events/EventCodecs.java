package org.openpair.emulator.events;

import static org.openpair.emulator.codec.GuardianCodecs.HANDLE;

import java.util.List;

import org.openpair.emulator.codec.Codec;
import org.openpair.emulator.codec.Union;

/**
 * The event log's values as they cross the engine (the node's ring) and the admin socket
 * (ids 1000-1099): a record, its event by kind, and the {@code EVENTS} call's question and
 * answer.
 */
public final class EventCodecs {
    private EventCodecs() {
    }

    static final Codec<Event.CpuUp> CPU_UP = Codec.of(1010, Event.CpuUp.class,
            (out, e) -> out.i32(e.up()).str(e.address()),
            in -> new Event.CpuUp(in.i32(), in.str()));

    static final Codec<Event.CpuDown> CPU_DOWN = Codec.of(1011, Event.CpuDown.class,
            (out, e) -> out.i32(e.down()).str(e.evidence()),
            in -> new Event.CpuDown(in.i32(), in.str()));

    static final Codec<Event.ProcessStarted> PROCESS_STARTED = Codec.of(1012, Event.ProcessStarted.class,
            (out, e) -> out.value(HANDLE, e.process()).optStr(e.name()).str(e.program()),
            in -> new Event.ProcessStarted(in.value(HANDLE), in.optStr(), in.str()));

    static final Codec<Event.ProcessEnded> PROCESS_ENDED = Codec.of(1013, Event.ProcessEnded.class,
            (out, e) -> out.value(HANDLE, e.process()).optStr(e.name()).str(e.program()).i32(e.completionCode())
                    .str(e.cause()).optStr(e.detail()),
            in -> new Event.ProcessEnded(in.value(HANDLE), in.optStr(), in.str(), in.i32(), in.str(), in.optStr()));

    static final Codec<Event.Takeover> TAKEOVER = Codec.of(1014, Event.Takeover.class,
            (out, e) -> out.str(e.name()).str(e.cause()).optional(HANDLE, e.oldPrimary()).value(HANDLE, e.newPrimary())
                    .i64(e.epoch()).i64(e.durationMillis()),
            in -> new Event.Takeover(in.str(), in.str(), in.optional(HANDLE), in.value(HANDLE), in.i64(), in.i64()));

    static final Codec<Event.Switch> SWITCH = Codec.of(1015, Event.Switch.class,
            (out, e) -> out.str(e.name()).value(HANDLE, e.oldPrimary()).value(HANDLE, e.newPrimary()).i64(e.epoch()),
            in -> new Event.Switch(in.str(), in.value(HANDLE), in.value(HANDLE), in.i64()));

    static final Codec<Event.Fence> FENCE = Codec.of(1016, Event.Fence.class,
            (out, e) -> out.value(HANDLE, e.process()).optStr(e.name()).str(e.why()),
            in -> new Event.Fence(in.value(HANDLE), in.optStr(), in.str()));

    static final Codec<Event.SemaphoreOrphaned> SEMAPHORE_ORPHANED = Codec.of(1017, Event.SemaphoreOrphaned.class,
            (out, e) -> out.str(e.semaphore()).value(HANDLE, e.holder()).i32(e.permits()),
            in -> new Event.SemaphoreOrphaned(in.str(), in.value(HANDLE), in.i32()));
    static final Codec<Event.RecordRepaired> RECORD_REPAIRED = Codec.of(1019, Event.RecordRepaired.class,
            (out, e) -> out.str(e.table()).str(e.key()).str(e.found()).str(e.restored()),
            in -> new Event.RecordRepaired(in.str(), in.str(), in.str(), in.str()));

    static final Codec<Event.Upgrade> UPGRADE = Codec.of(1018, Event.Upgrade.class,
            (out, e) -> out.str(e.name()).optional(HANDLE, e.oldBackup()).value(HANDLE, e.newBackup())
                    .str(e.classPath()),
            in -> new Event.Upgrade(in.str(), in.optional(HANDLE), in.value(HANDLE), in.str()));

    static final Codec<Event> EVENT = Union.of(1002, Event.class, CPU_UP, CPU_DOWN, PROCESS_STARTED, PROCESS_ENDED,
            TAKEOVER, SWITCH, FENCE, SEMAPHORE_ORPHANED, UPGRADE, RECORD_REPAIRED);

    /** A record; its sequence is the ring's, so the ring's copy carries -1 and a reader sets it. */
    public static final Codec<EventRecord> RECORD = Codec.of(1001, EventRecord.class,
            (out, r) -> out.i64(r.seq()).instant(r.time()).str(r.node()).i32(r.cpu()).value(EVENT, r.event()),
            in -> new EventRecord(in.i64(), in.instant(), in.str(), in.i32(), in.value(EVENT)));

    /** The {@code EVENTS} call's question. */
    public static final Codec<EventQuery> QUERY = Codec.of(1020, EventQuery.class,
            (out, q) -> out.i64(q.since()).i32(q.max()).i64(q.waitMillis()),
            in -> new EventQuery(in.i64(), in.i32(), in.i64()));

    /** The {@code EVENTS} call's answer. */
    public static final Codec<EventBatch> BATCH = Codec.of(1021, EventBatch.class,
            (out, b) -> out.collection(RECORD, b.events()).i64(b.next()).i64(b.lost()),
            in -> new EventBatch(in.list(RECORD), in.i64(), in.i64()));

    /** Every codec of this family. */
    public static List<Codec<?>> all() {
        return List.of(RECORD, EVENT, CPU_UP, CPU_DOWN, PROCESS_STARTED, PROCESS_ENDED, TAKEOVER, SWITCH, FENCE,
                SEMAPHORE_ORPHANED, UPGRADE, RECORD_REPAIRED, QUERY, BATCH);
    }
}
