package org.openpair.guardian;

import java.util.List;
import java.util.Map;

/**
 * A {@link RobustSemaphore} as {@code guardian sem} shows it.
 *
 * @param name         the semaphore's name
 * @param permits      all permits: available, held and orphaned ones together (creation plus posts)
 * @param available    permits nobody holds
 * @param policy       what happens to a dead holder's permits
 * @param consistency  whether the protected state is known to be consistent
 * @param holders      live holders and how many permits each holds
 * @param orphans      dead holders whose permits are kept until a purge ({@link DeathPolicy#ORPHAN})
 * @param deadOwners   holders that died since the state was last marked consistent
 * @param waiters      processes queued in a blocking or timed acquire
 * @param stateVersion commits of the protected state so far
 */
public record SemaphoreInfo(String name, int permits, int available, DeathPolicy policy, Consistency consistency,
                            Map<ProcessHandle, Integer> holders, Map<ProcessHandle, Integer> orphans,
                            List<ProcessHandle> deadOwners, int waiters, long stateVersion) {
    public SemaphoreInfo {
        holders = Map.copyOf(holders);
        orphans = Map.copyOf(orphans);
        deadOwners = List.copyOf(deadOwners);
    }
}
