package org.openpair.emulator.semaphores;

import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.openpair.emulator.cluster.Engine;
import org.openpair.emulator.cluster.Table;
import org.openpair.emulator.threads.SystemThreads;

/**
 * Wakes this JVM's waiters when a semaphore entry changes. Only a JVM with a waiter on a
 * semaphore listens to it, on that one key ({@link #enter}): the engine sends a write's event
 * to the registrations of its key alone, so an acquire or release nobody waits for costs no
 * event, and a change others wait for reaches only their JVMs. A waiter registers before the
 * attempt it sleeps after, reads the per-semaphore counter before that attempt, and sleeps only
 * if the counter has not moved since: a change between the attempt and the sleep is never
 * missed. Also remembers which (CPU, semaphore) pairs this JVM has put in the holder index.
 */
final class Wakeups {
    private static final System.Logger LOG = System.getLogger(Wakeups.class.getName());
    private static final Map<Engine, Wakeups> BY_ENGINE = new ConcurrentHashMap<>();

    private final Table<String, Object> table;
    private final Map<String, Signal> signals = new ConcurrentHashMap<>();
    /** Stops listening off the waiter's path: the last waiter of a JVM leaves without that round trip. */
    private final ExecutorService unregistering;
    /** Change events this JVM heard, for the tests that prove an uncontended semaphore sends none. */
    final AtomicLong heard = new AtomicLong();
    final Set<String> indexed = ConcurrentHashMap.newKeySet();

    private Wakeups(Engine engine) {
        this.table = engine.table(Semaphores.MAP);
        this.unregistering = Executors.newSingleThreadExecutor(r -> SystemThreads.daemon(r,
                engine.name() + "-sem-unlisten"));
    }

    static Wakeups of(Engine engine) {
        return BY_ENGINE.computeIfAbsent(engine, Wakeups::register);
    }

    private static Wakeups register(Engine engine) {
        Wakeups w = new Wakeups(engine);
        engine.onShutdown(() -> {
            BY_ENGINE.remove(engine);
            w.unregistering.shutdownNow();
            w.signals.values().forEach(Signal::bump);
        });
        return w;
    }

    /**
     * A waiter of this JVM starts waiting on {@code name}: from when this returns, every change of
     * the entry bumps its counter. The first waiter registers (one call to every member); the
     * others share its registration.
     */
    void enter(String name) {
        Signal s = signal(name);
        synchronized (s.registering) {
            s.waiters++;
            if (s.registration == null) {
                s.registration = table.onKeyChanged(name, this::changed);
            }
        }
    }

    /** A waiter stopped waiting; the last one's registration goes, after the waiter returned. */
    void leave(String name) {
        Signal s = signal(name);
        synchronized (s.registering) {
            if (--s.waiters > 0) {
                return;
            }
        }
        try {
            unregistering.execute(() -> unlisten(s));
        } catch (RejectedExecutionException e) {
            // The engine is shutting down, and its registrations with it.
        }
    }

    private void unlisten(Signal s) {
        synchronized (s.registering) {
            if (s.waiters > 0 || s.registration == null) {
                return;
            }
            try {
                table.stopListening(s.registration);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "semaphore listener not removed: {0}", e.toString());
            }
            s.registration = null;
        }
    }

    /** Whether this JVM listens to {@code name} now (a waiter is there, or its registration not yet gone). */
    boolean listening(String name) {
        Signal s = signals.get(name);
        if (s == null) {
            return false;
        }
        synchronized (s.registering) {
            return s.registration != null;
        }
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
        heard.incrementAndGet();
        Signal s = signals.get(name);
        if (s != null) {
            s.bump();
        }
    }

    private static final class Signal {
        private volatile long version;
        /** Guards the registration and the waiter count; never held while parked. */
        private final Object registering = new Object();
        private int waiters;
        private UUID registration;

        synchronized void bump() {
            version++;
            notifyAll();
        }
    }
}
