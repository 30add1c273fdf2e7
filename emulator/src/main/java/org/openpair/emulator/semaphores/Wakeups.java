package org.openpair.emulator.semaphores;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.openpair.emulator.cluster.Engine;

/**
 * Wakes this JVM's waiters when a semaphore entry changes: one listener per engine (member or
 * client) on the semaphore table, without values, dispatching by key to a
 * per-semaphore counter that waiters park on. A waiter reads the counter before its attempt and
 * sleeps only if it has not moved since, so a change between the attempt and the sleep is
 * never missed. Also remembers which (CPU, semaphore) pairs this JVM has put in the holder index.
 */
final class Wakeups {
    private static final Map<Engine, Wakeups> BY_ENGINE = new ConcurrentHashMap<>();

    private final Map<String, Signal> signals = new ConcurrentHashMap<>();
    final Set<String> indexed = ConcurrentHashMap.newKeySet();

    static Wakeups of(Engine engine) {
        return BY_ENGINE.computeIfAbsent(engine, Wakeups::register);
    }

    private static Wakeups register(Engine engine) {
        Wakeups w = new Wakeups();
        engine.<String, Object>table(Semaphores.MAP).onKeyChanged(w::changed);
        engine.onShutdown(() -> {
            BY_ENGINE.remove(engine);
            w.signals.values().forEach(Signal::bump);
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

    private void changed(String name) {
        Signal s = signals.get(name);
        if (s != null) {
            s.bump();
        }
    }

    private static final class Signal {
        private volatile long version;

        synchronized void bump() {
            version++;
            notifyAll();
        }
    }
}
