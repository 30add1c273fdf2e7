package org.openpair.emulator.semaphores;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;

/**
 * Wakes this JVM's waiters when a semaphore entry changes: one entry listener per Hazelcast
 * instance (member or client) on the semaphore map, without values, dispatching by key to a
 * per-semaphore counter that waiters park on. A waiter reads the counter before its attempt and
 * sleeps only if it has not moved since, so a change between the attempt and the sleep is
 * never missed. Also remembers which (CPU, semaphore) pairs this JVM has put in the holder index.
 */
final class Wakeups implements EntryAddedListener<String, Object>, EntryUpdatedListener<String, Object>,
        EntryRemovedListener<String, Object> {
    private static final Map<HazelcastInstance, Wakeups> BY_INSTANCE = new ConcurrentHashMap<>();

    private final Map<String, Signal> signals = new ConcurrentHashMap<>();
    final Set<String> indexed = ConcurrentHashMap.newKeySet();

    static Wakeups of(HazelcastInstance hz) {
        return BY_INSTANCE.computeIfAbsent(hz, Wakeups::register);
    }

    private static Wakeups register(HazelcastInstance hz) {
        Wakeups w = new Wakeups();
        hz.getMap(Semaphores.MAP).addEntryListener(w, false);
        hz.getLifecycleService().addLifecycleListener(e -> {
            if (e.getState() == LifecycleEvent.LifecycleState.SHUTTING_DOWN
                    || e.getState() == LifecycleEvent.LifecycleState.SHUTDOWN) {
                BY_INSTANCE.remove(hz);
                w.signals.values().forEach(Signal::bump);
            }
        });
        return w;
    }

    /** The change counter of a semaphore, to pass to {@link #await}. */
    long version(String name) {
        return signal(name).version;
    }

    /** Parks until the semaphore changes after {@code seen} or {@code nanos} pass. */
    void await(String name, long seen, long nanos) throws InterruptedException {
        Signal s = signal(name);
        long deadline = System.nanoTime() + nanos;
        synchronized (s) {
            while (s.version == seen) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                TimeUnit.NANOSECONDS.timedWait(s, left);
            }
        }
    }

    private Signal signal(String name) {
        return signals.computeIfAbsent(name, k -> new Signal());
    }

    private void changed(EntryEvent<String, Object> e) {
        Signal s = signals.get(e.getKey());
        if (s != null) {
            s.bump();
        }
    }

    @Override
    public void entryAdded(EntryEvent<String, Object> e) {
        changed(e);
    }

    @Override
    public void entryUpdated(EntryEvent<String, Object> e) {
        changed(e);
    }

    @Override
    public void entryRemoved(EntryEvent<String, Object> e) {
        changed(e);
    }

    private static final class Signal {
        private volatile long version;

        synchronized void bump() {
            version++;
            notifyAll();
        }
    }
}
