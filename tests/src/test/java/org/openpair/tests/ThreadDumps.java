package org.openpair.tests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import com.sun.tools.attach.VirtualMachine;

/**
 * {@code jcmd PID Thread.print -l} of CPU JVMs, written to files, without starting a JVM per
 * dump: {@code jcmd} is itself a JVM, and launching one a second per CPU on a 2-core machine
 * would starve the very threads whose stalls the dumps are meant to catch. This attaches once
 * per JVM, starts its local JMX agent and asks the same diagnostic command through it.
 *
 * <p>Never point it at a frozen JVM: the attach would wait for it. Each dump is bounded; one that
 * does not come back in time is skipped and its JVM is not asked again.
 */
final class ThreadDumps implements AutoCloseable {
    private static final long BOUND_MILLIS = 5_000;
    private static final String[] SIGNATURE = {String[].class.getName()};

    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "thread-dumps");
        t.setDaemon(true);
        return t;
    });
    private final Map<Long, JMXConnector> connections = new HashMap<>();
    private final Map<Long, Boolean> unreachable = new HashMap<>();

    /** Writes JVM {@code pid}'s thread dump to {@code file}; false if it could not be taken in time. */
    boolean dump(long pid, Path file) {
        if (unreachable.containsKey(pid)) {
            return false;
        }
        Future<String> text = worker.submit(() -> threadPrint(pid));
        try {
            String dump = text.get(BOUND_MILLIS, TimeUnit.MILLISECONDS);
            Files.createDirectories(file.getParent());
            Files.writeString(file, dump, StandardCharsets.UTF_8);
            return true;
        } catch (TimeoutException e) {
            text.cancel(true);
            unreachable.put(pid, true);
            return false;
        } catch (ExecutionException | IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private String threadPrint(long pid) throws Exception {
        JMXConnector c;
        synchronized (connections) {
            c = connections.get(pid);
        }
        if (c == null) {
            VirtualMachine vm = VirtualMachine.attach(String.valueOf(pid));
            try {
                c = JMXConnectorFactory.connect(new JMXServiceURL(vm.startLocalManagementAgent()));
            } finally {
                vm.detach();
            }
            synchronized (connections) {
                connections.put(pid, c);
            }
        }
        MBeanServerConnection server = c.getMBeanServerConnection();
        return (String) server.invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"), "threadPrint",
                new Object[] {new String[] {"-l"}}, SIGNATURE);
    }

    /** Forgets a JVM that ended (its connection is dead). */
    void forget(long pid) {
        JMXConnector c;
        synchronized (connections) {
            c = connections.remove(pid);
        }
        unreachable.remove(pid);
        if (c != null) {
            try {
                c.close();
            } catch (IOException | RuntimeException e) {
                // Its JVM is gone: nothing to close.
            }
        }
    }

    @Override
    public void close() {
        synchronized (connections) {
            for (JMXConnector c : connections.values()) {
                try {
                    c.close();
                } catch (IOException | RuntimeException e) {
                    // Its JVM may be gone already.
                }
            }
            connections.clear();
        }
        worker.shutdownNow();
    }
}
