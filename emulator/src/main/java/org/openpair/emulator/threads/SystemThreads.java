package org.openpair.emulator.threads;

/**
 * Threads of the emulator itself (spawner, reapers, links, sweepers) live in a thread group of
 * their own under the JVM's root group. A thread inherits its creator's group, and a hosted
 * program's group is interrupted when the program is stopped: an executor or link whose thread
 * happened to be created on a program's thread would be interrupted with it.
 */
public final class SystemThreads {
    private static final ThreadGroup GROUP = new ThreadGroup(root(), "openpair");

    private SystemThreads() {
    }

    private static ThreadGroup root() {
        ThreadGroup g = Thread.currentThread().getThreadGroup();
        while (g.getParent() != null) {
            g = g.getParent();
        }
        return g;
    }

    /** A daemon platform thread in the emulator's group. */
    public static Thread daemon(Runnable task, String name) {
        Thread t = new Thread(GROUP, task, name);
        t.setDaemon(true);
        return t;
    }
}
