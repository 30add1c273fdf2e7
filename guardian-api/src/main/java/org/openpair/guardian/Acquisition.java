package org.openpair.guardian;

import java.util.List;
import java.util.Objects;

/**
 * The result of a successful acquire of a {@link RobustSemaphore}, or what a process holds
 * ({@link RobustSemaphore#holding()}).
 *
 * @param semaphore  the semaphore's name
 * @param permits    how many permits the caller holds now (all its acquisitions together)
 * @param ownerDied  the EOWNERDEAD flag: a holder died holding permits since the state was last
 *                   marked consistent. The caller must look at the protected state (it holds the
 *                   last committed state: the dead holder's uncommitted update was never applied)
 *                   and at anything outside it the dead holder may have left half-done, then call
 *                   {@link RobustSemaphore#markConsistent()} before it lets go of all its permits;
 *                   otherwise the semaphore becomes {@link Consistency#NOT_RECOVERABLE}
 * @param deadOwners the holders that died since the last mark, oldest first (empty unless
 *                   {@code ownerDied})
 */
public record Acquisition(String semaphore, int permits, boolean ownerDied, List<ProcessHandle> deadOwners) {
    public Acquisition {
        Objects.requireNonNull(semaphore, "semaphore");
        deadOwners = List.copyOf(deadOwners);
    }
}
