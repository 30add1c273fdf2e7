package org.openpair.guardian;

import java.time.Instant;

/**
 * Who holds a {@link SharedSegment}'s lock, as {@link SharedSegment#holder()} reads it from the
 * segment without taking the lock: each holder records itself there when it locks and clears
 * the record before it unlocks, so a record is never a former holder's.
 *
 * @param process  the holding process, or null when the holder is not known: it died, or is
 *                 caught in the few instructions between taking the lock and recording itself
 * @param pid      the OS process id of the holder (for a hosted program, its CPU's JVM), or 0
 *                 when not known
 * @param since    when it took the lock, or null when not known
 * @param died     the holder died holding the lock (its thread or process ended, by
 *                 {@code kill -9} too), and no process has locked since: the next one to lock is
 *                 told the owner died, and its uncommitted writes are rolled back first
 * @param updating the holder has written fields since its last commit: a death now leaves
 *                 writes to roll back
 */
public record SegmentHolder(ProcessHandle process, long pid, Instant since, boolean died, boolean updating) {

    /** {@code \NODE.$:0:12:345 (pid 4711) since ...}, with {@code DIED} or {@code updating} where true. */
    @Override
    public String toString() {
        return (process == null ? "an unknown holder" : process.descriptor(null)) + (pid == 0 ? "" : " (pid " + pid + ")")
                + (since == null ? "" : " since " + since) + (died ? ", DIED holding it" : "")
                + (updating ? ", mid-update" : "");
    }
}
