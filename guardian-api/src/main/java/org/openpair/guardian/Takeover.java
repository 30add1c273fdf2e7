package org.openpair.guardian;


/**
 * A backup's promotion to primary: why, the old primary's death (absent for a switch), and
 * the pair's new epoch.
 *
 * @param cause       why the backup took over
 * @param oldPrimary  the handle of the primary it replaced
 * @param termination how the old primary ended, or {@code null} for a switch
 * @param epoch       the pair's epoch from now on
 */
public record Takeover(TakeoverCause cause, ProcessHandle oldPrimary, Termination termination, long epoch) {
}
