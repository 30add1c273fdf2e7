package org.openpair.emulator.names;

/**
 * How the name table heals after a split: of the two entries for one name, the one with the
 * higher epoch stays. Hazelcast's own policies keep one side's entries whole (the default, or
 * {@code DiscardMergePolicy}, which the other tables use), and a side whose entry had moved on
 * would see its epoch go back or repeat; here an epoch only rises, on both sides of the heal.
 *
 * <p>The engine asks the larger side (the existing entries) about each entry of the smaller one
 * (the merging entries), whose CPUs halt their processes as they merge ({@code cpu.QuorumWatch});
 * the entry answers by this rule ({@link NameEntry} is {@link org.openpair.emulator.cluster.Mergeable}).
 * Hence the rules where the epochs cannot decide:
 * <ul>
 * <li>A name the larger side does not hold stays absent: it was removed there (its pair ended)
 *     or made on the smaller side, whose processes are halting; either way the entry would name
 *     a process that is gone.
 * <li>Epochs with the same counter made by different CPUs are one step taken on both sides
 *     independently (the smaller side can write in the moments before its split-brain
 *     protection sees the split): the larger side's stays, as the quorum's decision.
 * <li>Equal epochs with the same primary are the same pair seen from both sides (attaching a
 *     backup or marking it ready keeps the epoch): the larger side's view stays, as it is the
 *     side whose processes go on.
 * <li>Equal epochs with different primaries cannot happen ({@link Epochs} puts the deciding CPU
 *     in every epoch, and the two sides have no CPU in common); should it happen anyway, the
 *     larger side's entry stays for the same reason, and the conflict is logged as an error.
 * </ul>
 * Every conflict (entries that differ) is logged at WARNING with both sides' primary, backup
 * and epoch, so an operator can tell what a split changed.
 */
public final class HigherEpochWins {
    private static final System.Logger LOG = System.getLogger(HigherEpochWins.class.getName());

    private HigherEpochWins() {
    }

    /** An entry the larger side does not hold stays absent; logged, as every conflict is. */
    static boolean keptAlone(NameEntry gone) {
        LOG.log(System.Logger.Level.WARNING, "name table merge: {0} is held on the smaller side only ({1}); it stays "
                + "removed", gone.name(), describe(gone));
        return false;
    }

    /** Which side's entry a merge keeps. */
    public enum Side {
        /** The entry from the smaller side, merging in. */
        MERGING,
        /** The entry the larger side holds. */
        EXISTING
    }

    /**
     * The decision on two entries of one name, both present; logs any conflict. Public so the
     * rule can be tested on entries made by hand.
     */
    public static Side choose(NameEntry merging, NameEntry existing) {
        if (merging.equals(existing)) {
            return Side.EXISTING;
        }
        String name = String.valueOf(existing.name());
        if (Epochs.counter(merging.epoch()) == Epochs.counter(existing.epoch())
                && Epochs.cpu(merging.epoch()) != Epochs.cpu(existing.epoch())) {
            // Both sides took the same step independently (the smaller side before its split-brain
            // protection saw the split): the deciding CPU's bits order them, but only the larger
            // side's decision is the quorum's, and its processes are the ones that go on.
            LOG.log(System.Logger.Level.WARNING, "name table merge: {0}: both sides moved to epoch counter {1} on their "
                    + "own; the larger side''s entry ({2}) stays, the smaller side''s ({3}) is dropped", name,
                    Epochs.counter(existing.epoch()), describe(existing), describe(merging));
            return Side.EXISTING;
        }
        if (merging.epoch() > existing.epoch()) {
            LOG.log(System.Logger.Level.WARNING, "name table merge: {0}: the smaller side''s entry ({1}) has the higher "
                    + "epoch and replaces the larger side''s ({2})", name, describe(merging), describe(existing));
            return Side.MERGING;
        }
        if (merging.epoch() < existing.epoch()) {
            LOG.log(System.Logger.Level.WARNING, "name table merge: {0}: the larger side''s entry ({1}) has the higher "
                    + "epoch and stays; the smaller side''s ({2}) is dropped", name, describe(existing), describe(merging));
            return Side.EXISTING;
        }
        if (!merging.primary().equals(existing.primary())) {
            LOG.log(System.Logger.Level.ERROR, "name table merge: {0}: TWO PRIMARIES AT ONE EPOCH, which the epochs "
                    + "should make impossible: larger side [{1}], smaller side [{2}]; the larger side''s entry stays",
                    name, describe(existing), describe(merging));
        } else {
            LOG.log(System.Logger.Level.WARNING, "name table merge: {0}: both sides at epoch {1} with the same primary "
                    + "differ (larger side [{2}], smaller side [{3}]); the larger side''s entry stays", name,
                    Epochs.format(existing.epoch()), describe(existing), describe(merging));
        }
        return Side.EXISTING;
    }

    private static String describe(NameEntry e) {
        if (e == null) {
            return "no entry";
        }
        return "primary " + e.primary().cpuPin() + " (verifier " + e.primary().verifier() + "), backup "
                + (e.backup() == null ? "none" : e.backup().cpuPin() + " (verifier " + e.backup().verifier() + ")")
                + ", epoch " + Epochs.format(e.epoch()) + (e.ready() ? ", ready" : "") + (e.closing() ? ", closing" : "");
    }
}
