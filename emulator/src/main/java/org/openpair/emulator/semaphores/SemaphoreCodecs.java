package org.openpair.emulator.semaphores;

import static org.openpair.emulator.codec.GuardianCodecs.HANDLE;

import java.util.LinkedHashSet;
import java.util.List;

import org.openpair.emulator.codec.Codec;
import org.openpair.emulator.codec.EnumCode;
import org.openpair.emulator.codec.GuardianCodecs;
import org.openpair.emulator.codec.Scalars;
import org.openpair.guardian.Consistency;
import org.openpair.guardian.DeathPolicy;

/**
 * The semaphore entry and its processors as they cross the engine (ids 500-599). They live here,
 * beside their package-private types, so the semaphore's record stays invisible outside this
 * package; the engine's adapter takes them through {@link #all}.
 */
public final class SemaphoreCodecs {
    private SemaphoreCodecs() {
    }

    static final EnumCode<DeathPolicy> POLICY = EnumCode.of(DeathPolicy.class, p -> switch (p) {
        case RELEASE -> 1;
        case ORPHAN -> 2;
        case HANDOVER -> 3;
    });

    static final EnumCode<Consistency> CONSISTENCY = EnumCode.of(Consistency.class, c -> switch (c) {
        case CONSISTENT -> 1;
        case OWNER_DIED -> 2;
        case NOT_RECOVERABLE -> 3;
    });

    static final EnumCode<Outcome.Kind> OUTCOME_KIND = EnumCode.of(Outcome.Kind.class, k -> switch (k) {
        case DONE -> 1;
        case WAITING -> 2;
        case REFUSED -> 3;
    });

    static final Codec<SemaphoreRecord.Waiter> WAITER = Codec.of(512, SemaphoreRecord.Waiter.class,
            (out, w) -> out.optional(HANDLE, w.process()).i64(w.ticket()).i32(w.permits()).i64(w.leaseUntil()),
            in -> new SemaphoreRecord.Waiter(in.optional(HANDLE), in.i64(), in.i32(), in.i64()));

    static final Codec<SemaphoreRecord.Applied> APPLIED = Codec.of(513, SemaphoreRecord.Applied.class,
            (out, a) -> out.optional(HANDLE, a.process()).i64(a.id()).i64(a.answer()),
            in -> new SemaphoreRecord.Applied(in.optional(HANDLE), in.i64(), in.i64()));

    /**
     * Holders keep their order (a LinkedHashMap's), as the record's readers see it. 514 since the
     * record remembers applied changes (501 was the layout without them).
     */
    static final Codec<SemaphoreRecord> RECORD = Codec.of(514, SemaphoreRecord.class,
            (out, r) -> out.str(r.name).i32(r.created).constant(POLICY, r.policy).i32(r.total).i32(r.available)
                    .constant(CONSISTENCY, r.consistency).map(HANDLE, Scalars.INT, r.holders)
                    .map(HANDLE, Scalars.INT, r.orphans).collection(HANDLE, r.deadOwners)
                    .collection(HANDLE, r.informed).collection(WAITER, r.waiters)
                    .map(Scalars.STRING, Scalars.BYTES, r.state).i64(r.stateVersion).i32(r.stateBytes)
                    .collection(APPLIED, r.applied),
            in -> new SemaphoreRecord(in.str(), in.i32(), in.constant(POLICY)).restore(in.i32(), in.i32(),
                    in.constant(CONSISTENCY), in.map(HANDLE, Scalars.INT), in.map(HANDLE, Scalars.INT), in.list(HANDLE),
                    in.list(HANDLE), in.list(WAITER), in.map(Scalars.STRING, Scalars.BYTES), in.i64(), in.i32(),
                    in.list(APPLIED)));

    static final Codec<Outcome> OUTCOME = Codec.of(502, Outcome.class,
            (out, o) -> out.constant(OUTCOME_KIND, o.kind()).i32(o.error()).optStr(o.message())
                    .optional(GuardianCodecs.ACQUISITION, o.acquisition()).i64(o.number()),
            in -> new Outcome(in.constant(OUTCOME_KIND), in.i32(), in.optStr(), in.optional(GuardianCodecs.ACQUISITION),
                    in.i64()));

    static final Codec<SemaphoreOps.Create> CREATE = Codec.of(503, SemaphoreOps.Create.class,
            (out, c) -> out.str(c.name()).i32(c.permits()).constant(POLICY, c.policy()),
            in -> new SemaphoreOps.Create(in.str(), in.i32(), in.constant(POLICY)));

    static final Codec<SemaphoreOps.Acquire> ACQUIRE = Codec.of(504, SemaphoreOps.Acquire.class,
            (out, a) -> out.optional(HANDLE, a.caller).i64(a.ticket).i32(a.permits).bool(a.queue).i64(a.now)
                    .i64(a.leaseMillis),
            in -> new SemaphoreOps.Acquire(in.optional(HANDLE), in.i64(), in.i32(), in.bool(), in.i64(), in.i64()));

    static final Codec<SemaphoreOps.Cancel> CANCEL = Codec.of(505, SemaphoreOps.Cancel.class,
            (out, c) -> out.i64(c.ticket()),
            in -> new SemaphoreOps.Cancel(in.i64()));

    /** 515 since a release carries its id (506 without). */
    static final Codec<SemaphoreOps.Release> RELEASE = Codec.of(515, SemaphoreOps.Release.class,
            (out, r) -> out.optional(HANDLE, r.caller).i64(r.id).i32(r.permits),
            in -> new SemaphoreOps.Release(in.optional(HANDLE), in.i64(), in.i32()));

    /** 516 since a post carries its caller and id (507 without). */
    static final Codec<SemaphoreOps.Post> POST = Codec.of(516, SemaphoreOps.Post.class,
            (out, p) -> out.optional(HANDLE, p.caller).i64(p.id).i32(p.permits),
            in -> new SemaphoreOps.Post(in.optional(HANDLE), in.i64(), in.i32()));

    static final Codec<SemaphoreOps.MarkConsistent> MARK_CONSISTENT = Codec.of(508, SemaphoreOps.MarkConsistent.class,
            (out, m) -> out.optional(HANDLE, m.caller),
            in -> new SemaphoreOps.MarkConsistent(in.optional(HANDLE)));

    /** 517 since a commit carries its id (509 without). */
    static final Codec<SemaphoreOps.Commit> COMMIT = Codec.of(517, SemaphoreOps.Commit.class,
            (out, c) -> out.optional(HANDLE, c.caller).i64(c.id).map(Scalars.STRING, Scalars.BYTES, c.puts)
                    .collection(Scalars.STRING, c.removes),
            in -> new SemaphoreOps.Commit(in.optional(HANDLE), in.i64(), in.map(Scalars.STRING, Scalars.BYTES),
                    new LinkedHashSet<>(in.list(Scalars.STRING))));

    static final Codec<SemaphoreOps.HolderDied> HOLDER_DIED = Codec.of(510, SemaphoreOps.HolderDied.class,
            (out, h) -> out.optional(HANDLE, h.dead).optional(HANDLE, h.partner),
            in -> new SemaphoreOps.HolderDied(in.optional(HANDLE), in.optional(HANDLE)));

    static final Codec<SemaphoreOps.Purge> PURGE = Codec.of(511, SemaphoreOps.Purge.class,
            (out, p) -> {
            },
            in -> new SemaphoreOps.Purge());

    /** Every codec of this family. */
    public static List<Codec<?>> all() {
        return List.of(RECORD, WAITER, APPLIED, OUTCOME, CREATE, ACQUIRE, CANCEL, RELEASE, POST, MARK_CONSISTENT, COMMIT,
                HOLDER_DIED, PURGE);
    }
}
