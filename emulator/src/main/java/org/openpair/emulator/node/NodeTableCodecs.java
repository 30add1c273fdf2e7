package org.openpair.emulator.node;

import static org.openpair.emulator.codec.GuardianCodecs.HANDLE;

import java.util.List;

import org.openpair.emulator.codec.Codec;
import org.openpair.emulator.names.NameCodecs;
import org.openpair.emulator.security.SealedTable;

/**
 * The CPU and process tables' records and the updates that change them (ids 200-299). An update
 * travels to the entry's partition and again to its backup, so its fields are all it may
 * depend on.
 */
public final class NodeTableCodecs {
    private NodeTableCodecs() {
    }

    /** Id 201 was the record before it carried a seal. */
    public static final Codec<NodeTables.CpuRecord> CPU_RECORD = Codec.of(204, NodeTables.CpuRecord.class,
            (out, r) -> out.i32(r.cpu()).optStr(r.memberUuid()).optStr(r.address()).optInstant(r.started())
                    .i32(r.linkPort()).optional(NameCodecs.SEAL, r.seal()),
            in -> new NodeTables.CpuRecord(in.i32(), in.optStr(), in.optStr(), in.optInstant(), in.i32(),
                    in.optional(NameCodecs.SEAL)));

    /** How a CPU record is sealed on a node with a key: its own purpose, the key being the CPU number. */
    public static final SealedTable.Sealing<NodeTables.CpuRecord> SEALING = new SealedTable.Sealing<>("cpu-record/v1",
            CPU_RECORD, NodeTables.CpuRecord::seal, NodeTables.CpuRecord::withSeal);

    public static final Codec<NodeTables.RemoveIfHeldBy<?>> REMOVE_IF_HELD_BY = Codec.ofRaw(202,
            NodeTables.RemoveIfHeldBy.class,
            (out, p) -> out.optional(HANDLE, p.holder()),
            in -> new NodeTables.RemoveIfHeldBy<>(in.optional(HANDLE)));

    public static final Codec<NodeTables.SetAncestorIfHeldBy> SET_ANCESTOR_IF_HELD_BY = Codec.of(203,
            NodeTables.SetAncestorIfHeldBy.class,
            (out, p) -> out.optional(HANDLE, p.holder()).optional(HANDLE, p.ancestor()),
            in -> new NodeTables.SetAncestorIfHeldBy(in.optional(HANDLE), in.optional(HANDLE)));

    /** Every codec of this family. */
    public static List<Codec<?>> all() {
        return List.of(CPU_RECORD, REMOVE_IF_HELD_BY, SET_ANCESTOR_IF_HELD_BY);
    }
}
