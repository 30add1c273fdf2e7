package org.openpair.emulator.names;

import java.util.Map;

import org.openpair.emulator.cluster.Update;

import org.openpair.guardian.ProcessHandle;

/**
 * The changes a pair's name entry goes through, each an {@link org.openpair.emulator.cluster.Update}: atomic on the name's
 * partition and conditional on who holds the name, so two CPUs acting on one pair at once (a
 * retiring CPU and the survivors of a lost one, a switch and a death) never both succeed.
 */
public final class NameUpdates {
    private NameUpdates() {
    }

    /** What an update did. */
    public enum Outcome {
        /** The change was made. */
        DONE,
        /** The name was removed: its last member died. */
        REMOVED,
        /** The primary died and its backup is now the primary, at the next epoch ({@link Epochs#next}). */
        PROMOTED,
        /** The backup died; the primary is alone now. */
        BACKUP_DETACHED,
        /** The entry is not held as the update assumed (another process, or gone). */
        NOT_HELD,
        /** The pair already has a live backup. */
        HAS_BACKUP
    }

    /** An update's outcome and the entry as it was before and is after. */
    public record Result(Outcome outcome, NameEntry before, NameEntry after) {
    }

    /**
     * A member has died: a primary with a backup is replaced by the backup (the next epoch,
     * decided by {@code decidingCpu}, the CPU running this update), a primary without one loses
     * the name, a backup is detached.
     */
    public record RetireMember(ProcessHandle member, int decidingCpu)
            implements Update<String, NameEntry, Result> {
        public RetireMember {
            Epochs.requireCpu(decidingCpu);
        }

        @Override
        public Result apply(Map.Entry<String, NameEntry> entry) {
            NameEntry e = entry.getValue();
            if (e == null) {
                return new Result(Outcome.NOT_HELD, null, null);
            }
            if (member.equals(e.primary())) {
                // A backup that does not hold the whole state yet must not take over: the name goes.
                if (e.backup() == null || e.closing() || !e.ready()) {
                    entry.setValue(null);
                    return new Result(Outcome.REMOVED, e, null);
                }
                NameEntry after = new NameEntry(e.name(), e.backup(), null, Epochs.next(e.epoch(), decidingCpu),
                        e.created(), false, false, e.creator());
                entry.setValue(after);
                return new Result(Outcome.PROMOTED, e, after);
            }
            if (member.equals(e.backup())) {
                NameEntry after = new NameEntry(e.name(), e.primary(), null, e.epoch(), e.created(), e.closing(), false,
                        e.creator());
                entry.setValue(after);
                return new Result(Outcome.BACKUP_DETACHED, e, after);
            }
            return new Result(Outcome.NOT_HELD, e, e);
        }
    }

    /**
     * PROCESS_STOP_ of both members: marks the pair as closing, so that neither member's death
     * promotes the other and no new backup is attached while both are being stopped.
     */
    public record Close(ProcessHandle primary) implements Update<String, NameEntry, Result> {
        @Override
        public Result apply(Map.Entry<String, NameEntry> entry) {
            NameEntry e = entry.getValue();
            if (e == null || !primary.equals(e.primary())) {
                return new Result(Outcome.NOT_HELD, e, e);
            }
            NameEntry after = new NameEntry(e.name(), e.primary(), e.backup(), e.epoch(), e.created(), true, e.ready(), e.creator());
            entry.setValue(after);
            return new Result(Outcome.DONE, e, after);
        }
    }

    /** Records a new backup of {@code primary}; refused if the primary changed or a backup exists. */
    public record AttachBackup(ProcessHandle primary, ProcessHandle backup)
            implements Update<String, NameEntry, Result> {
        @Override
        public Result apply(Map.Entry<String, NameEntry> entry) {
            NameEntry e = entry.getValue();
            if (e == null || !primary.equals(e.primary()) || e.closing()) {
                return new Result(Outcome.NOT_HELD, e, e);
            }
            if (e.backup() != null) {
                return new Result(Outcome.HAS_BACKUP, e, e);
            }
            NameEntry after = new NameEntry(e.name(), primary, backup, e.epoch(), e.created(), false, false, e.creator());
            entry.setValue(after);
            return new Result(Outcome.DONE, e, after);
        }
    }

    /** The backup acknowledged the primary's state snapshot: from now on it may take over. */
    public record BackupReady(ProcessHandle primary, ProcessHandle backup)
            implements Update<String, NameEntry, Result> {
        @Override
        public Result apply(Map.Entry<String, NameEntry> entry) {
            NameEntry e = entry.getValue();
            if (e == null || !primary.equals(e.primary()) || !backup.equals(e.backup())) {
                return new Result(Outcome.NOT_HELD, e, e);
            }
            NameEntry after = new NameEntry(e.name(), primary, backup, e.epoch(), e.created(), e.closing(), true, e.creator());
            entry.setValue(after);
            return new Result(Outcome.DONE, e, after);
        }
    }

    /**
     * The primary could not get a checkpoint to its backup: from now on the backup may not take
     * over, since it may lack what the primary goes on to acknowledge alone. Done before the
     * primary acts on that checkpoint, so the name never marks a lagging member as one that
     * may be promoted. The backup stays listed until its death is recorded (which tells the
     * primary, and lets its restart policy make a new one). DONE when that backup is not ready
     * (now, or already, or no longer listed); NOT_HELD when {@code primary} no longer holds the
     * name.
     */
    public record BackupLags(ProcessHandle primary, ProcessHandle backup)
            implements Update<String, NameEntry, Result> {
        @Override
        public Result apply(Map.Entry<String, NameEntry> entry) {
            NameEntry e = entry.getValue();
            if (e == null || !primary.equals(e.primary())) {
                return new Result(Outcome.NOT_HELD, e, e);
            }
            if (!backup.equals(e.backup()) || !e.ready()) {
                return new Result(Outcome.DONE, e, e);
            }
            NameEntry after = new NameEntry(e.name(), primary, e.backup(), e.epoch(), e.created(), e.closing(), false,
                    e.creator());
            entry.setValue(after);
            return new Result(Outcome.DONE, e, after);
        }
    }

    /**
     * Swaps primary and backup (the next epoch, decided by {@code decidingCpu}, the CPU running
     * this update), if they are still the given ones at the given epoch and the backup is ready:
     * a backup still receiving the state must not become the primary.
     */
    public record Switch(ProcessHandle primary, ProcessHandle backup, long epoch, int decidingCpu)
            implements Update<String, NameEntry, Result> {
        public Switch {
            Epochs.requireCpu(decidingCpu);
        }

        @Override
        public Result apply(Map.Entry<String, NameEntry> entry) {
            NameEntry e = entry.getValue();
            if (e == null || !primary.equals(e.primary()) || !backup.equals(e.backup()) || e.epoch() != epoch
                    || e.closing() || !e.ready()) {
                return new Result(Outcome.NOT_HELD, e, e);
            }
            // The old primary becomes the backup: it holds everything it checkpointed, since the
            // switch happens at its safe point with no checkpoint in flight.
            NameEntry after = new NameEntry(e.name(), backup, primary, Epochs.next(epoch, decidingCpu), e.created(),
                    false, true, e.creator());
            entry.setValue(after);
            return new Result(Outcome.DONE, e, after);
        }
    }
}
