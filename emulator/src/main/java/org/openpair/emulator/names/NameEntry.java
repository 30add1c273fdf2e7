package org.openpair.emulator.names;

import java.time.Instant;

import org.openpair.emulator.cluster.Mergeable;
import org.openpair.emulator.security.Seal;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;

/**
 * One entry of the name table (NSK's DCT): the pair behind a name. The epoch rises with every
 * takeover and switch; whatever carries an older epoch (a checkpoint, an update) is refused.
 * Every epoch is made by {@link Epochs}, so that the two sides of a split never make the same one.
 *
 * @param name    the name
 * @param primary the process that answers to the name
 * @param backup  its backup, or {@code null}
 * @param epoch   {@link Epochs#first} of the creating CPU when the name is created, then
 *                {@link Epochs#next} at each takeover and switch
 * @param created when the name was created
 * @param closing the pair is being stopped as a whole: no takeover, no new backup
 * @param ready   the backup holds the primary's whole state (its first checkpoint, the
 *                snapshot, was acknowledged): only a ready backup may take over
 * @param creator the process that created the named process (its ancestor, as PPD shows it),
 *                kept through takeovers and switches; {@code null}: the operator
 * @param seal    the writer's MAC, on a node with a key (only as stored: the table hands out
 *                entries without it, {@link org.openpair.emulator.security.SealedTable}); {@code null} otherwise
 */
public record NameEntry(ProcessName name, ProcessHandle primary, ProcessHandle backup, long epoch, Instant created,
                        boolean closing, boolean ready, ProcessHandle creator, Seal seal) implements Mergeable<NameEntry> {

    /** An entry without a seal: every entry the runtime makes; the table seals what it stores. */
    public NameEntry(ProcessName name, ProcessHandle primary, ProcessHandle backup, long epoch, Instant created,
                     boolean closing, boolean ready, ProcessHandle creator) {
        this(name, primary, backup, epoch, created, closing, ready, creator, null);
    }

    /** This entry with {@code s} as its seal ({@code null}: without one). */
    public NameEntry withSeal(Seal s) {
        return new NameEntry(name, primary, backup, epoch, created, closing, ready, creator, s);
    }

    /** A new name held by {@code primary} alone; its CPU creates the name, so it makes the epoch. */
    public static NameEntry single(ProcessName name, ProcessHandle primary, Instant created, ProcessHandle creator) {
        return new NameEntry(name, primary, null, Epochs.first(primary.cpu()), created, false, false, creator);
    }

    /** True when the handle is the primary or the backup. */
    public boolean holds(ProcessHandle handle) {
        return handle.equals(primary) || handle.equals(backup);
    }

    /** The other member of the pair, or {@code null}. */
    public ProcessHandle partnerOf(ProcessHandle handle) {
        return handle.equals(primary) ? backup : handle.equals(backup) ? primary : null;
    }

    /** After a split heals, the higher epoch stays ({@link HigherEpochWins}). */
    @Override
    public boolean replaces(NameEntry existing) {
        return HigherEpochWins.choose(this, existing) == HigherEpochWins.Side.MERGING;
    }

    /** A name only the smaller side holds stays removed: its pair ended, or it names a process that halted. */
    @Override
    public boolean keptAlone() {
        return HigherEpochWins.keptAlone(this);
    }
}
