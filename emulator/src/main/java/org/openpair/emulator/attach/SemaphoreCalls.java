package org.openpair.emulator.attach;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.openpair.emulator.attach.AttachCodecs.Nothing;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.RobustSemaphore;
import org.openpair.guardian.StateUpdate;

/**
 * The CPU's side of an attached process's robust semaphores. The semaphores it opens are opened
 * here, by its own Guardian, so their permits belong to the process as a hosted one's would and
 * are released by its death; the child names them by the IDs handed out here. A guest of the
 * admin socket opens them as the operator.
 */
final class SemaphoreCalls {
    private final Map<Long, RobustSemaphore> open = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    SemaphoreCalls(CallTable calls, Supplier<Guardian> guardian) {
        calls.waiting(AttachCalls.SEM_CREATE, s -> opened(guardian.get().semaphoreCreate(s.name(), s.permits(),
                s.policy())));
        calls.waiting(AttachCalls.SEM_OPEN, name -> opened(guardian.get().semaphore(name)));
        calls.waiting(AttachCalls.SEM_PURGE, name -> guardian.get().semaphorePurge(name));
        calls.waiting(AttachCalls.SEM_ACQUIRE, a -> {
            RobustSemaphore sem = semaphore(a.semaphore());
            return switch (a.mode()) {
                case WAIT -> Optional.of(sem.acquire(a.permits()));
                case TRY -> sem.tryAcquire(a.permits());
                case TRY_FOR -> sem.tryAcquire(a.permits(), a.timeout());
            };
        });
        calls.waiting(AttachCalls.SEM_RELEASE, p -> {
            semaphore(p.semaphore()).release(p.permits());
            return Nothing.VALUE;
        });
        calls.waiting(AttachCalls.SEM_POST, p -> {
            semaphore(p.semaphore()).post(p.permits());
            return Nothing.VALUE;
        });
        calls.waiting(AttachCalls.SEM_MARK_CONSISTENT, id -> {
            semaphore(id).markConsistent();
            return Nothing.VALUE;
        });
        calls.waiting(AttachCalls.SEM_HOLDING, id -> semaphore(id).holding());
        calls.waiting(AttachCalls.SEM_STATE, id -> semaphore(id).state());
        calls.waiting(AttachCalls.SEM_INFO, id -> semaphore(id).info());
        calls.waiting(AttachCalls.SEM_COMMIT, commit -> {
            StateUpdate u = semaphore(commit.semaphore()).update();
            for (AttachCodecs.Change change : commit.changes()) {
                if (change.value() == null) {
                    u.remove(change.key());
                } else {
                    u.put(change.key(), change.value());
                }
            }
            return u.commit();
        });
    }

    private long opened(RobustSemaphore sem) {
        if (open.size() >= AttachSession.MAX_FILES) {
            throw new GuardianException(GuardianError.NO_ROOM, AttachSession.MAX_FILES
                    + " semaphores are open already");
        }
        long id = ids.incrementAndGet();
        open.put(id, sem);
        return id;
    }

    private RobustSemaphore semaphore(long id) {
        RobustSemaphore sem = open.get(id);
        if (sem == null) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "semaphore " + id + " was never opened");
        }
        return sem;
    }

    /** The connection is gone: the process's death releases what it held, not this. */
    void close() {
        open.clear();
    }
}
