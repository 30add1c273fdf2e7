package org.openpair.emulator.process;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.TerminationCause;

/**
 * A {@link GuardianProgram} run inside this CPU's JVM. Its threads live in a thread group of
 * its own, so a stop interrupts every thread the program started, and later the loop timer
 * can sum the CPU time of exactly those threads. Java cannot kill a thread: a program that
 * ignores interrupts is removed from the tables at the end of the grace time and its threads
 * are left to finish, logged as orphans.
 */
final class HostedProcess extends LocalProcess {
    private static final System.Logger LOG = System.getLogger(HostedProcess.class.getName());

    private final Constructor<? extends GuardianProgram> constructor;
    /** Its classes: closed when the process ends (a loader of its own, unless it runs from the CPU's). */
    private final ProgramCode code;
    private final SpawnRequest request;
    private final Path logFile;
    private final ProcessTable table;
    private final Guardian guardian;
    private ThreadGroup group;
    private Thread main;
    private PrintStream out;
    private org.openpair.emulator.signals.ProcessSignals signals;
    private org.openpair.emulator.timers.LoopTimer loopTimer;
    /** Set by a signal's default end before it fences the pair; the program's own return then records nothing. */
    private volatile boolean endingBySignal;

    HostedProcess(ProcessInfo info, ProgramCode code, SpawnRequest request, Path logFile, ProcessTable table,
                  Guardian guardian) {
        super(info);
        this.code = code;
        this.constructor = code.constructor();
        this.request = request;
        this.logFile = logFile;
        this.table = table;
        this.guardian = guardian;
    }

    /** The program class's no-argument constructor, or error 2. */
    static Constructor<? extends GuardianProgram> constructorOf(Class<?> type) {
        String className = type.getName();
        if (!GuardianProgram.class.isAssignableFrom(type)) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, className + " does not implement "
                    + GuardianProgram.class.getName());
        }
        try {
            Constructor<? extends GuardianProgram> c = type.asSubclass(GuardianProgram.class).getConstructor();
            return c;
        } catch (NoSuchMethodException e) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, className
                    + " needs a public no-argument constructor");
        }
    }

    @Override
    ProcessInfo start() {
        GuardianProgram program;
        try {
            program = constructor.newInstance();
        } catch (InvocationTargetException e) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "constructor of "
                    + constructor.getDeclaringClass().getName() + " failed: " + e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "cannot instantiate "
                    + constructor.getDeclaringClass().getName() + ": " + e);
        }
        try {
            Files.createDirectories(logFile.getParent());
            out = new PrintStream(new FileOutputStream(logFile.toFile(), true), true, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new GuardianException(GuardianError.SECURITY, "cannot open log file " + logFile + ": " + e.getMessage());
        }
        String descriptor = info.descriptor();
        group = new ThreadGroup(descriptor);
        // A daemon group is destroyed when its last thread ends: on Java 17 a non-daemon group
        // stays referenced by its parent for ever, one leaked group per process.
        group.setDaemon(true);
        signals = new org.openpair.emulator.signals.ProcessSignals(new SignalOwner());
        loopTimer = table.loopTimers().timer(group, () -> signals.send(org.openpair.guardian.Signal.SIGTIMEOUT, null));
        main = new Thread(group, () -> runProgram(program), descriptor + " main");
        main.setDaemon(true);
        // Libraries that look classes up through the context loader (ServiceLoader, logging
        // back ends) find the program's own; threads the program starts inherit it.
        main.setContextClassLoader(code.loader());
        main.start();
        return info;
    }

    private void runProgram(GuardianProgram program) {
        TerminationCause cause = TerminationCause.RETURNED;
        String detail = "";
        try {
            program.run(new Context());
        } catch (Abend abend) {
            cause = TerminationCause.ABENDED;
            detail = "abend: " + abend.getMessage();
        } catch (SignalledEnd ended) {
            return;
        } catch (Throwable t) {
            cause = TerminationCause.ABENDED;
            detail = t.toString();
            t.printStackTrace(out);
        }
        if (endingBySignal) {
            // The fence that terminate() raised first may have made the program return (its
            // checkpoint refused); the end is the signal's, and terminate() records it.
            return;
        }
        table.retire(this, cause, -1, 0, detail);
    }

    @Override
    void note(String line) {
        PrintStream log = out;
        if (log != null) {
            log.println("openpair: " + line);
        }
    }

    @Override
    boolean isOwnThread() {
        return group != null && Thread.currentThread().getThreadGroup() == group;
    }

    @Override
    void signalStop() {
        if (group != null) {
            group.interrupt();
        }
    }

    @Override
    boolean forceStop() {
        if (main != null && main.isAlive()) {
            LOG.log(System.Logger.Level.WARNING, "{0}: threads ignored the stop for the grace time; "
                    + "removed from the tables, its threads are left as orphans", info.descriptor());
        }
        return false;
    }

    @Override
    org.openpair.emulator.metrics.ProcessCensus.Kind censusKind() {
        return org.openpair.emulator.metrics.ProcessCensus.Kind.HOSTED;
    }

    @Override
    void release() {
        if (loopTimer != null) {
            loopTimer.close();
        }
        if (signals != null) {
            signals.close();
        }
        if (out != null) {
            out.flush();
            out.close();
        }
        // Threads left as orphans keep the classes they loaded, and cannot load new ones.
        code.close();
    }

    @Override
    void signal(org.openpair.guardian.Signal signal, ProcessHandle sender) {
        if (signals == null) {
            throw new GuardianException(GuardianError.NO_SUCH_DEVICE, info.descriptor() + " is not running yet");
        }
        signals.send(signal, sender);
    }

    /**
     * A signal's default action ends the process: it is fenced (a pair member's calls fail from
     * now on), retired with completion code -1 for SIGTIMEOUT (5 for other signals) so a primary's
     * backup takes over, and its threads are reclaimed ({@link RunawayThreads}). The process's own
     * thread that raised it unwinds.
     */
    private void terminate(org.openpair.guardian.Signal signal, ProcessHandle sender) {
        boolean timeout = signal == org.openpair.guardian.Signal.SIGTIMEOUT;
        String detail = timeout ? "SIGTIMEOUT: the loop timer ran out"
                : signal + (sender == null ? " from the operator" : " from " + sender.descriptor(null));
        endingBySignal = true;
        if (pair != null) {
            pair.markFenced();
        }
        note(detail + "; the process ends");
        table.retire(this, timeout ? TerminationCause.LOOP_TIMEOUT : TerminationCause.SIGNALLED, -1, signal.number(),
                detail);
        RunawayThreads.reclaim(group, info.descriptor(), table.loopTimers().chores());
        if (isOwnThread()) {
            throw new SignalledEnd(detail);
        }
    }

    /** Unwinds a thread of a process that a signal ended. */
    private static final class SignalledEnd extends Error {
        private static final long serialVersionUID = 1L;

        SignalledEnd(String detail) {
            super(detail, null, false, false);
        }
    }

    private final class SignalOwner implements org.openpair.emulator.signals.ProcessSignals.Owner {
        @Override
        public ProcessHandle handle() {
            return info.handle();
        }

        @Override
        public ThreadGroup threadGroup() {
            return group;
        }

        @Override
        public void terminate(org.openpair.guardian.Signal signal, ProcessHandle sender) {
            HostedProcess.this.terminate(signal, sender);
        }

        @Override
        public void log(String line) {
            note(line);
        }
    }

    /** Thrown by {@link ProcessContext#abend} to unwind the program; not an Exception so catch-alls miss it. */
    private static final class Abend extends Error {
        private static final long serialVersionUID = 1L;

        Abend(String reason) {
            super(reason, null, false, false);
        }
    }

    /** The shared procedures, plus what only a program on the CPU's own threads has: its log, abend, signals. */
    private final class Context extends LocalContext {
        Context() {
            super(HostedProcess.this, request, guardian);
        }

        @Override
        org.openpair.emulator.timers.LoopTimer loopTimer() {
            return loopTimer;
        }

        @Override
        public PrintStream out() {
            return out;
        }

        @Override
        public void abend(String reason) {
            throw new Abend(reason);
        }

        @Override
        public org.openpair.guardian.Signals signals() {
            return signals;
        }
    }
}
