package org.openpair.emulator.attach;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.openpair.guardian.RobustSemaphore;
import org.openpair.guardian.SemaphoreInfo;

/**
 * A robust semaphore opened by a Java OS process: opened on the CPU by the process's own
 * Guardian, so its permits belong to the process as a hosted one's would and its death releases
 * them; this end names it by the ID the CPU gave it.
 */
final class RemoteSemaphore implements RobustSemaphore {
    private final AttachClient client;
    private final long id;
    private final String name;

    RemoteSemaphore(AttachClient client, long id, String name) {
        this.client = client;
        this.id = id;
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    private Optional<org.openpair.guardian.Acquisition> acquire(int permits, AttachCodecs.AcquireMode mode,
            Duration timeout) {
        return client.call(AttachCalls.SEM_ACQUIRE,
                new AttachCodecs.Acquire(id, permits, mode, AttachCodecs.timeout(timeout)));
    }

    @Override
    public org.openpair.guardian.Acquisition acquire(int permits) {
        return acquire(permits, AttachCodecs.AcquireMode.WAIT, Duration.ZERO).orElseThrow();
    }

    @Override
    public Optional<org.openpair.guardian.Acquisition> tryAcquire(int permits) {
        return acquire(permits, AttachCodecs.AcquireMode.TRY, Duration.ZERO);
    }

    @Override
    public Optional<org.openpair.guardian.Acquisition> tryAcquire(int permits, Duration timeout) {
        return acquire(permits, AttachCodecs.AcquireMode.TRY_FOR, timeout);
    }

    @Override
    public void release(int permits) {
        client.call(AttachCalls.SEM_RELEASE, new AttachCodecs.Permits(id, permits));
    }

    @Override
    public void post(int permits) {
        client.call(AttachCalls.SEM_POST, new AttachCodecs.Permits(id, permits));
    }

    @Override
    public void markConsistent() {
        client.call(AttachCalls.SEM_MARK_CONSISTENT, id);
    }

    @Override
    public org.openpair.guardian.Acquisition holding() {
        return client.call(AttachCalls.SEM_HOLDING, id);
    }

    @Override
    public org.openpair.guardian.ProtectedState state() {
        return client.call(AttachCalls.SEM_STATE, id);
    }

    @Override
    public org.openpair.guardian.StateUpdate update() {
        return new RemoteUpdate(client, id);
    }

    @Override
    public SemaphoreInfo info() {
        return client.call(AttachCalls.SEM_INFO, id);
    }

    /** Changes collected here, sent as one commit: the CPU applies them as one transaction. */
    private static final class RemoteUpdate implements org.openpair.guardian.StateUpdate {
        private final AttachClient client;
        private final long semaphore;
        private final List<AttachCodecs.Change> changes = new java.util.ArrayList<>();
        private boolean committed;

        RemoteUpdate(AttachClient client, long semaphore) {
            this.client = client;
            this.semaphore = semaphore;
        }

        @Override
        public org.openpair.guardian.StateUpdate put(String key, byte[] value) {
            changes.add(new AttachCodecs.Change(key, value.clone()));
            return this;
        }

        @Override
        public org.openpair.guardian.StateUpdate remove(String key) {
            changes.add(new AttachCodecs.Change(key, null));
            return this;
        }

        @Override
        public long commit() {
            if (committed) {
                throw new IllegalStateException("this update was committed already");
            }
            committed = true;
            return client.call(AttachCalls.SEM_COMMIT, new AttachCodecs.Commit(semaphore, List.copyOf(changes)));
        }
    }
}
