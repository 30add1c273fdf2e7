package org.openpair.emulator.process;

import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;

import org.openpair.emulator.threads.SystemThreads;
import org.openpair.emulator.os.ExitStatus;
import org.openpair.emulator.os.NativeException;
import org.openpair.emulator.os.NativeOs;
import org.openpair.emulator.os.SpawnSpec;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.TerminationCause;

/**
 * An OS executable spawned by this CPU. It is spawned from the CPU's one long-lived spawner
 * thread with a parent-death signal, so the child dies with the CPU (Linux sends it when the
 * spawning thread ends), and reaped by a thread of its own waiting on its pid alone: the JDK
 * reaps its own children, and a {@code waitpid(-1)} would steal them. {@link AttachedProcess}
 * adds the attach socket for a Java program.
 */
class OsProcess extends LocalProcess {
    private static final System.Logger LOG = System.getLogger(OsProcess.class.getName());

    private final SpawnSpec spec;
    private final ExecutorService spawner;
    private final ProcessTable table;
    private volatile long pid;
    /** Set once waitpid returned: the pid may belong to another process from then on. */
    private volatile boolean reaped;

    OsProcess(ProcessInfo info, SpawnSpec spec, ExecutorService spawner,
              ProcessTable table) {
        super(info);
        this.spec = spec;
        this.spawner = spawner;
        this.table = table;
    }

    /** The executable's absolute path, or 11 (not found) / 48 (not executable). */
    static Path resolve(String nameOrPath, String pathVariable) {
        try {
            return NativeOs.get().resolveExecutable(nameOrPath, pathVariable);
        } catch (NativeException e) {
            GuardianError error = e.kind() == NativeException.Kind.NOT_EXECUTABLE
                    ? GuardianError.SECURITY : GuardianError.NOT_FOUND;
            throw new GuardianException(error, e.getMessage());
        }
    }

    @Override
    ProcessInfo start() {
        try {
            pid = spawner.submit(() -> NativeOs.get().spawn(spec)).get();
        } catch (ExecutionException e) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "spawn of " + spec.executable()
                    + " failed: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuardianException(GuardianError.TIMED_OUT, "interrupted while spawning " + spec.executable());
        }
        Thread reaper = SystemThreads.daemon(this::reap, info.descriptor() + " reaper pid " + pid);
        reaper.start();
        return new ProcessInfo(info.handle(), info.name(), info.program(), info.priority(), pid, info.started(),
                info.ancestor(), info.logFile());
    }

    private void reap() {
        try {
            ExitStatus status = NativeOs.get().waitFor(pid);
            reaped = true;
            if (status.exited()) {
                table.retire(this, TerminationCause.EXITED, status.exitCode(), 0, status.toString());
            } else {
                table.retire(this, TerminationCause.SIGNALLED, -1, status.signal(), status.toString());
            }
        } catch (NativeException e) {
            LOG.log(System.Logger.Level.ERROR, "{0}: cannot reap pid {1}: {2}", info.descriptor(), pid, e.getMessage());
            table.retire(this, TerminationCause.SIGNALLED, -1, 0, "lost: " + e.getMessage());
        }
    }

    /** The child's pid, 0 before it is spawned. */
    final long pid() {
        return pid;
    }

    @Override
    void signalStop() {
        send(NativeOs.SIGTERM);
    }

    @Override
    boolean forceStop() {
        send(NativeOs.SIGKILL);
        return true;
    }

    final void send(int signal) {
        if (reaped) {
            return;
        }
        try {
            NativeOs.get().kill(pid, signal);
        } catch (NativeException e) {
            LOG.log(System.Logger.Level.WARNING, "{0}: cannot send {1} to pid {2}: {3}", info.descriptor(),
                    NativeOs.signalName(signal), pid, e.getMessage());
        }
    }

    @Override
    void signal(org.openpair.guardian.Signal signal, org.openpair.guardian.ProcessHandle sender) {
        int posix = org.openpair.emulator.signals.PosixSignals.linuxNumber(signal);
        try {
            NativeOs.get().kill(pid, posix);
        } catch (NativeException e) {
            throw new GuardianException(GuardianError.NO_SUCH_DEVICE, info.descriptor() + ": cannot send "
                    + signal + " to pid " + pid + ": " + e.getMessage());
        }
    }

    @Override
    org.openpair.emulator.metrics.ProcessCensus.Kind censusKind() {
        return org.openpair.emulator.metrics.ProcessCensus.Kind.OS;
    }

    @Override
    void release() {
        // Nothing held here: the child's log file descriptors belong to the child.
    }
}
