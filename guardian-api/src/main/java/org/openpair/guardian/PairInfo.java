package org.openpair.guardian;


/**
 * What PROCESS_GETPAIRINFO_ reports about a name or a process.
 *
 * @param status   the result (0, 4, 5, 6, 7, 9)
 * @param name     the pair's name, or {@code null} for an unnamed process or no process
 * @param primary  the primary's handle, or the unnamed process's own; {@code null} when none
 * @param backup   the backup's handle, or {@code null} when the pair has none
 * @param ancestor who created the named process ({@code null}: the operator); a takeover or a
 *                 switch does not change it
 * @param epoch    the pair's epoch: raised by every takeover and switch; 0 for unnamed
 * @param backupReady the backup holds every checkpoint its primary was told succeeded, so it
 *                 may take over; {@code false} while a new backup still receives the state, and
 *                 when there is no backup. A primary that dies while this is false takes its
 *                 pair down (201) rather than hand it to a backup with stale or missing state.
 */
public record PairInfo(PairStatus status, ProcessName name, ProcessHandle primary, ProcessHandle backup,
                       ProcessHandle ancestor, long epoch, boolean backupReady) {

    /** A pair without a backup ready to take over (no backup, or a process that is not a pair). */
    public PairInfo(PairStatus status, ProcessName name, ProcessHandle primary, ProcessHandle backup,
                    ProcessHandle ancestor, long epoch) {
        this(status, name, primary, backup, ancestor, epoch, false);
    }
}
