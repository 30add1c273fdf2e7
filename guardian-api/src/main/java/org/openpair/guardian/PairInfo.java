package org.openpair.guardian;

import java.io.Serializable;

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
 */
public record PairInfo(PairStatus status, ProcessName name, ProcessHandle primary, ProcessHandle backup,
                       ProcessHandle ancestor, long epoch) implements Serializable {
}
