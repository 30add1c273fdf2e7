package org.openpair.guardian;

import java.time.Instant;

/**
 * The last time a process locked a {@link SharedSegment} whose previous holder had died holding
 * it: who died, who found out, and whether the dead holder's uncommitted writes were undone.
 *
 * @param dead        the holder that died, as it had recorded itself ({@link SegmentHolder#process()}
 *                    null if it died before recording itself)
 * @param recoveredBy the process that locked next, was told the owner died and rolled back
 * @param at          when it did
 * @param rolledBack  the dead holder had written since its last commit, and those writes were
 *                    undone; false when it died before writing or after committing
 */
public record SegmentRecovery(SegmentHolder dead, ProcessHandle recoveredBy, Instant at, boolean rolledBack) {
}
