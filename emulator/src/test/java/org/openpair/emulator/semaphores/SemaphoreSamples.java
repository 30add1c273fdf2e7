package org.openpair.emulator.semaphores;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.openpair.emulator.codec.Samples;
import org.openpair.guardian.Acquisition;
import org.openpair.guardian.Consistency;
import org.openpair.guardian.DeathPolicy;
import org.openpair.guardian.GuardianError;

/**
 * Values of every semaphore type that crosses the engine, with nulls and edges, for the
 * round-trip tests here and in the engine's adapter (which cannot name these types).
 */
public final class SemaphoreSamples {
    private SemaphoreSamples() {
    }

    /** A record that went through acquires, deaths, a queue and commits. */
    static SemaphoreRecord busyRecord() {
        SemaphoreRecord r = new SemaphoreRecord("sem.\u00e9-1", 7, DeathPolicy.HANDOVER);
        r.total = Integer.MAX_VALUE;
        r.available = -3;
        r.consistency = Consistency.OWNER_DIED;
        // Insertion order on purpose not the handles' order: a LinkedHashMap's order must survive.
        r.holders.put(Samples.HIGH, 2);
        r.holders.put(Samples.LOW, Integer.MAX_VALUE);
        r.orphans.put(Samples.LOW, 1);
        r.deadOwners.add(Samples.HIGH);
        r.deadOwners.add(Samples.HIGH);
        r.informed.add(Samples.LOW);
        r.waiters.add(new SemaphoreRecord.Waiter(Samples.HIGH, Long.MIN_VALUE, 1, Long.MAX_VALUE));
        r.waiters.add(new SemaphoreRecord.Waiter(null, 0, 0, 0));
        r.state.put("", new byte[0]);
        r.state.put("k\u00e9", new byte[] {0, -1, 127, -128});
        r.stateVersion = Long.MAX_VALUE;
        r.stateBytes = 12;
        r.applied.add(new SemaphoreRecord.Applied(Samples.HIGH, Long.MAX_VALUE, Long.MIN_VALUE));
        r.applied.add(new SemaphoreRecord.Applied(null, 1, 0));
        return r;
    }

    public static List<Object> all() {
        List<Object> all = new ArrayList<>();
        for (DeathPolicy p : DeathPolicy.values()) {
            all.add(new SemaphoreRecord("s", 1, p));
            all.add(new SemaphoreOps.Create("s", Integer.MIN_VALUE, p));
        }
        SemaphoreRecord r = busyRecord();
        for (Consistency c : Consistency.values()) {
            SemaphoreRecord copy = busyRecord();
            copy.consistency = c;
            all.add(copy);
        }
        all.add(r);
        all.add(new SemaphoreRecord.Waiter(Samples.LOW, 1, 2, 3));
        all.add(Outcome.WAITING);
        all.add(Outcome.done(Long.MIN_VALUE));
        all.add(Outcome.done(new Acquisition("s", 3, true, List.of(Samples.HIGH))));
        all.add(Outcome.refused(GuardianError.NOT_RECOVERABLE, "not recoverable \u00e9"));
        all.add(new SemaphoreOps.Acquire(Samples.HIGH, Long.MAX_VALUE, Integer.MAX_VALUE, true, Long.MIN_VALUE, 0));
        all.add(new SemaphoreOps.Acquire(null, 0, 0, false, 0, Long.MAX_VALUE));
        all.add(new SemaphoreOps.Cancel(Long.MIN_VALUE));
        all.add(new SemaphoreOps.Release(Samples.LOW, Long.MIN_VALUE, 1));
        all.add(new SemaphoreOps.Post(Samples.HIGH, Long.MAX_VALUE, Integer.MAX_VALUE));
        all.add(new SemaphoreOps.Post(null, 0, 1));
        all.add(new SemaphoreRecord.Applied(Samples.LOW, -1, Integer.MAX_VALUE));
        all.add(new SemaphoreOps.MarkConsistent(Samples.HIGH));
        Map<String, byte[]> puts = new LinkedHashMap<>();
        puts.put("b", new byte[] {1});
        puts.put("a", new byte[0]);
        Set<String> removes = new LinkedHashSet<>(List.of("z", ""));
        all.add(new SemaphoreOps.Commit(Samples.LOW, 7, puts, removes));
        all.add(new SemaphoreOps.Commit(Samples.LOW, Long.MIN_VALUE, Map.of(), Set.of()));
        all.add(new SemaphoreOps.HolderDied(Samples.HIGH, Samples.LOW));
        all.add(new SemaphoreOps.HolderDied(Samples.HIGH, null));
        all.add(new SemaphoreOps.Purge());
        return all;
    }
}
