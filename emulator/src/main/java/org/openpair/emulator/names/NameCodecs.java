package org.openpair.emulator.names;

import static org.openpair.emulator.codec.GuardianCodecs.HANDLE;
import static org.openpair.emulator.codec.GuardianCodecs.NAME;

import java.util.List;

import org.openpair.emulator.codec.Codec;
import org.openpair.emulator.codec.EnumCode;
import org.openpair.emulator.security.Seal;
import org.openpair.emulator.security.SealedTable;

/**
 * The name table's entries and the updates that change them (ids 300-399). An update travels to
 * the entry's partition and again to its backup, so its fields are all it may depend on.
 */
public final class NameCodecs {
    private NameCodecs() {
    }

    /** A record's seal in the engine's tables (the name table's and the CPU table's). */
    public static final Codec<Seal> SEAL = Codec.of(310, Seal.class, (out, x) -> out.bytes(x.mac()),
            in -> new Seal(in.bytes()));

    /** Id 301 was the entry before it carried a seal. */
    public static final Codec<NameEntry> NAME_ENTRY = Codec.of(309, NameEntry.class,
            (out, e) -> out.optional(NAME, e.name()).optional(HANDLE, e.primary()).optional(HANDLE, e.backup())
                    .i64(e.epoch()).optInstant(e.created()).bool(e.closing()).bool(e.ready())
                    .optional(HANDLE, e.creator()).optional(SEAL, e.seal()),
            in -> new NameEntry(in.optional(NAME), in.optional(HANDLE), in.optional(HANDLE), in.i64(),
                    in.optInstant(), in.bool(), in.bool(), in.optional(HANDLE), in.optional(SEAL)));

    /** How a name entry is sealed on a node with a key: its own purpose, the key being the name. */
    public static final SealedTable.Sealing<NameEntry> SEALING = new SealedTable.Sealing<>("name-entry/v1",
            NAME_ENTRY, NameEntry::seal, NameEntry::withSeal);

    public static final EnumCode<NameUpdates.Outcome> NAME_OUTCOME = EnumCode.of(NameUpdates.Outcome.class,
            o -> switch (o) {
                case DONE -> 1;
                case REMOVED -> 2;
                case PROMOTED -> 3;
                case BACKUP_DETACHED -> 4;
                case NOT_HELD -> 5;
                case HAS_BACKUP -> 6;
            });

    public static final Codec<NameUpdates.Result> NAME_RESULT = Codec.of(302, NameUpdates.Result.class,
            (out, r) -> out.constant(NAME_OUTCOME, r.outcome()).optional(NAME_ENTRY, r.before())
                    .optional(NAME_ENTRY, r.after()),
            in -> new NameUpdates.Result(in.constant(NAME_OUTCOME), in.optional(NAME_ENTRY), in.optional(NAME_ENTRY)));

    public static final Codec<NameUpdates.RetireMember> RETIRE_MEMBER = Codec.of(303, NameUpdates.RetireMember.class,
            (out, u) -> out.optional(HANDLE, u.member()).i32(u.decidingCpu()),
            in -> new NameUpdates.RetireMember(in.optional(HANDLE), in.i32()));

    public static final Codec<NameUpdates.Close> CLOSE = Codec.of(304, NameUpdates.Close.class,
            (out, u) -> out.optional(HANDLE, u.primary()),
            in -> new NameUpdates.Close(in.optional(HANDLE)));

    public static final Codec<NameUpdates.AttachBackup> ATTACH_BACKUP = Codec.of(305, NameUpdates.AttachBackup.class,
            (out, u) -> out.optional(HANDLE, u.primary()).optional(HANDLE, u.backup()),
            in -> new NameUpdates.AttachBackup(in.optional(HANDLE), in.optional(HANDLE)));

    public static final Codec<NameUpdates.BackupReady> BACKUP_READY = Codec.of(306, NameUpdates.BackupReady.class,
            (out, u) -> out.optional(HANDLE, u.primary()).optional(HANDLE, u.backup()),
            in -> new NameUpdates.BackupReady(in.optional(HANDLE), in.optional(HANDLE)));

    public static final Codec<NameUpdates.BackupLags> BACKUP_LAGS = Codec.of(307, NameUpdates.BackupLags.class,
            (out, u) -> out.optional(HANDLE, u.primary()).optional(HANDLE, u.backup()),
            in -> new NameUpdates.BackupLags(in.optional(HANDLE), in.optional(HANDLE)));

    public static final Codec<NameUpdates.Switch> SWITCH = Codec.of(308, NameUpdates.Switch.class,
            (out, u) -> out.optional(HANDLE, u.primary()).optional(HANDLE, u.backup()).i64(u.epoch())
                    .i32(u.decidingCpu()),
            in -> new NameUpdates.Switch(in.optional(HANDLE), in.optional(HANDLE), in.i64(), in.i32()));

    /** Every codec of this family. */
    public static List<Codec<?>> all() {
        return List.of(SEAL, NAME_ENTRY, NAME_RESULT, RETIRE_MEMBER, CLOSE, ATTACH_BACKUP, BACKUP_READY, BACKUP_LAGS, SWITCH);
    }
}
