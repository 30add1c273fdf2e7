package org.openpair.emulator.semaphores;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.AbstractMap;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.openpair.guardian.DeathPolicy;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.ProcessHandle;

/**
 * The engine runs an update a second time on the promoted backup when the primary's member left
 * before answering, though the backup had applied it already: the second run (on the record as
 * the backup holds it, decoded from its bytes) answers what the first did and changes nothing.
 */
class SemaphoreOpsRetryTest {
    private static final ProcessHandle P = new ProcessHandle("N", 0, 4, 11);
    private static final ProcessHandle Q = new ProcessHandle("N", 1, 5, 12);
    private static final long NOW = 1_000_000;

    private final Map.Entry<String, SemaphoreRecord> entry =
            new AbstractMap.SimpleEntry<>("s", new SemaphoreRecord("s", 3, DeathPolicy.RELEASE));

    /** Runs the update on the entry, then hands the entry's record on as a backup would hold it. */
    private Outcome run(SemaphoreOps.Op op) {
        Outcome o = op.apply(entry);
        entry.setValue(SemaphoreCodecs.RECORD.decode(SemaphoreCodecs.RECORD.encode(entry.getValue())));
        return o;
    }

    private SemaphoreRecord r() {
        return entry.getValue();
    }

    private static SemaphoreOps.Acquire acquire(ProcessHandle p, long ticket, int permits) {
        return new SemaphoreOps.Acquire(p, ticket, permits, true, NOW, ClusterSemaphore.LEASE_MILLIS);
    }

    @Test
    void anAcquireRunTwice_holdsOnce_andAnswersTheSame() {
        SemaphoreOps.Acquire a = acquire(P, 5, 1);
        Outcome first = run(a);
        Outcome again = run(a);
        assertThat(first.kind()).isEqualTo(Outcome.Kind.DONE);
        assertThat(again).isEqualTo(first);
        assertThat(r().heldBy(P)).isEqualTo(1);
        assertThat(r().available).isEqualTo(2);
        // Another acquire of the same process is another operation.
        assertThat(run(acquire(P, 6, 1)).acquisition().permits()).isEqualTo(2);
        assertThat(r().available).isEqualTo(1);
    }

    @Test
    void aQueuedAcquireGrantedFromTheHead_runTwice_neitherQueuesBehindItselfNorHoldsTwice() {
        assertThat(run(acquire(Q, 1, 3)).kind()).isEqualTo(Outcome.Kind.DONE);
        SemaphoreOps.Acquire a = acquire(P, 9, 2);
        assertThat(run(a)).isEqualTo(Outcome.WAITING);
        assertThat(run(new SemaphoreOps.Release(Q, 2, 3)).number()).isZero();
        Outcome granted = run(a);
        assertThat(granted.acquisition().permits()).isEqualTo(2);
        assertThat(run(a)).isEqualTo(granted);
        assertThat(r().waiters).isEmpty();
        assertThat(r().heldBy(P)).isEqualTo(2);
        assertThat(r().available).isEqualTo(1);
    }

    @Test
    void aReleaseRunTwice_releasesOnce_andIsNotRefused() {
        run(acquire(P, 5, 2));
        SemaphoreOps.Release half = new SemaphoreOps.Release(P, 7, 1);
        assertThat(run(half).number()).isEqualTo(1);
        assertThat(run(half).number()).isEqualTo(1);
        assertThat(r().available).isEqualTo(2);
        SemaphoreOps.Release rest = new SemaphoreOps.Release(P, 8, 1);
        assertThat(run(rest).kind()).isEqualTo(Outcome.Kind.DONE);
        Outcome again = run(rest);
        assertThat(again.kind()).isEqualTo(Outcome.Kind.DONE);
        assertThat(again.number()).isZero();
        assertThat(r().holders).isEmpty();
        assertThat(r().available).isEqualTo(3);
        // A new release past what is held is still refused, and the id of another process's is not P's.
        assertThat(run(new SemaphoreOps.Release(P, 9, 1)).error()).isEqualTo(GuardianError.INVALID_OPERATION.number());
        assertThat(run(new SemaphoreOps.Release(Q, 8, 1)).error()).isEqualTo(GuardianError.INVALID_OPERATION.number());
        assertThat(r().available).isEqualTo(3);
    }

    @Test
    void aPostOrACommitRunTwice_appliesOnce() {
        SemaphoreOps.Post post = new SemaphoreOps.Post(null, 3, 2);
        assertThat(run(post).number()).isEqualTo(5);
        assertThat(run(post).number()).isEqualTo(5);
        assertThat(r().total).isEqualTo(5);
        run(acquire(P, 5, 1));
        SemaphoreOps.Commit commit = new SemaphoreOps.Commit(P, 4, Map.of("k", new byte[] {1}), Set.of());
        assertThat(run(commit).number()).isEqualTo(1);
        assertThat(run(commit).number()).isEqualTo(1);
        assertThat(r().stateVersion).isEqualTo(1);
    }

    @Test
    void theMemoryIsBounded_perProcessAndInAll_andForgottenWithItsProcess() {
        for (int i = 1; i <= 10; i++) {
            r().remember(P, i, i);
        }
        assertThat(r().applied).extracting(SemaphoreRecord.Applied::id).containsExactly(7L, 8L, 9L, 10L);
        for (int pin = 0; pin < 100; pin++) {
            r().remember(new ProcessHandle("N", 2, pin, 1), 1000 + pin, 0);
        }
        assertThat(r().applied).hasSize(SemaphoreRecord.APPLIED_MAX);
        assertThat(r().appliedBefore(P, 10)).isNull();
        assertThat(r().appliedBefore(new ProcessHandle("N", 2, 99, 1), 1099)).isNotNull();

        run(acquire(P, 5, 1));
        run(new SemaphoreOps.Release(P, 6, 1));
        assertThat(r().involves(P)).isTrue();
        run(new SemaphoreOps.HolderDied(P, null));
        assertThat(r().applied).noneMatch(a -> P.equals(a.process()));
        assertThat(r().involves(P)).isFalse();
        assertThat(r().available).isEqualTo(3);
    }
}
