package org.openpair.emulator.process;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.openpair.emulator.attach.AttachServer;
import org.openpair.emulator.attach.Attachee;
import org.openpair.emulator.os.NativeException;
import org.openpair.emulator.os.NativeOs;
import org.openpair.emulator.os.SpawnSpec;
import org.openpair.emulator.timers.LoopTimer;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.Signal;
import org.openpair.guardian.Signals;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.TerminationCause;

/**
 * A {@link org.openpair.guardian.Program.Java} program: an OS process (a JVM of its own, spawned,
 * reaped and killed as any {@link OsProcess}) that attaches to this CPU over the CPU's attach
 * socket and is then served by the same objects as a hosted program (its {@link LocalContext}:
 * pair member, $RECEIVE, loop timer). It dies exactly once, by whichever the CPU learns first:
 * the program's own report of its end, {@code waitpid}, or the loss of its connection (after
 * which it is killed, so a process the CPU has written off cannot act on).
 */
final class AttachedProcess extends OsProcess implements Attachee {
    private static final System.Logger LOG = System.getLogger(AttachedProcess.class.getName());
    /** A JVM that has not attached by then is written off and killed. */
    static final long ATTACH_TIMEOUT_MILLIS = Long.getLong("openpair.attach.timeoutMillis", 30_000);
    /**
     * How long a connection the child closed waits for {@code waitpid} to say how the process
     * died before the loss itself is recorded as its death. 0 by default: a killed JVM's socket
     * closes only after its memory is torn down, so waiting more for the exit status (which comes
     * after the close) puts milliseconds on the takeover path of its backup for a nicer detail.
     */
    private static final long LOST_GRACE_MILLIS = Long.getLong("openpair.attach.lostGraceMillis", 0);
    /** Flags for a quick JVM start: a process is spawned on the takeover path of its pair. */
    static final List<String> JVM_FLAGS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
            "-XX:-UsePerfData", "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2");

    private final ProcessTable table;
    private final AttachServer server;
    private final String secret;
    private final Served context;
    private final CompletableFuture<Void> attached = new CompletableFuture<>();
    private volatile Attachment attachment;
    private volatile LoopTimer loopTimer;
    /** Signals generated before the child attached, handed to it when it does (under {@code this}). */
    private final List<Object[]> early = new ArrayList<>();
    private long lastCpuNanos;
    /**
     * How long the child's JVM has to take a SIGTIMEOUT the CPU routed to it (its signal thread
     * acknowledges it) before the CPU ends the process itself, as the default would: a JVM that
     * cannot run that thread (stuck at a safepoint, thrashing in GC, a reader that stopped reading)
     * must not keep a runaway primary from its end and its backup from taking over.
     */
    static final long SIGTIMEOUT_TAKEN_WITHIN_MILLIS = Long.getLong("openpair.attach.sigtimeoutTakenWithinMillis", 2_000);
    private final java.util.concurrent.atomic.AtomicLong timeoutsRouted = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong timeoutsTaken = new java.util.concurrent.atomic.AtomicLong();

    private AttachedProcess(ProcessInfo info, SpawnSpec spec, ExecutorService spawner, ProcessTable table,
                            AttachServer server, String secret, SpawnRequest request, Guardian guardian) {
        super(info, spec, spawner, table);
        this.table = table;
        this.server = server;
        this.secret = secret;
        this.context = new Served(request, guardian);
    }

    /** {@code classPath}: the child JVM's {@code -cp}, see {@link ProgramCode#childClassPath}. */
    static AttachedProcess create(ProcessInfo info, String className, String classPath, SpawnRequest request,
                                  Path logFile,
                                  ExecutorService spawner, ProcessTable table, AttachServer server, Guardian guardian) {
        String secret = AttachServer.newSecret();
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(request.env());
        env.put(AttachServer.ENV_SOCKET, server.socketPath().toString());
        env.put(AttachServer.ENV_SECRET, secret);
        env.put(AttachServer.ENV_PROCESS, Long.toString(info.handle().verifier()));
        List<String> argv = new ArrayList<>(JVM_FLAGS);
        String extra = System.getProperty("openpair.attach.jvmOptions", "").trim();
        if (!extra.isEmpty()) {
            argv.addAll(List.of(extra.split("\\s+")));
        }
        argv.addAll(List.of("-cp", classPath, AttachServer.LAUNCHER, className));
        argv.addAll(request.args());
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        SpawnSpec spec = new SpawnSpec(java, argv, env, logFile, true);
        return new AttachedProcess(info, spec, spawner, table, server, secret, request, guardian);
    }

    /** Completes when the child has attached. */
    CompletableFuture<Void> attached() {
        return attached;
    }

    @Override
    ProcessInfo start() {
        // Expected before the child exists, so it cannot come too early.
        server.expect(info.handle().verifier(), secret, this);
        loopTimer = table.loopTimers().timer(this::cpuNanos, this::loopTimeout);
        ProcessInfo published;
        try {
            published = super.start();
        } catch (RuntimeException e) {
            server.forget(info.handle().verifier());
            loopTimer.close();
            throw e;
        }
        attached.orTimeout(ATTACH_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).whenComplete((v, e) -> {
            if (e instanceof TimeoutException && !ended.isDone()) {
                lost("it did not attach within " + ATTACH_TIMEOUT_MILLIS + " ms (see its log " + info.logFile() + ")", false);
            }
        });
        return published;
    }

    /** The child's CPU time; read by the loop-timer sampler only. A gone process's clock stands still. */
    private long cpuNanos() {
        long pid = pid();
        if (pid != 0 && !ended.isDone()) {
            try {
                lastCpuNanos = Math.max(lastCpuNanos, NativeOs.get().processCpuNanos(pid));
            } catch (NativeException e) {
                // Exiting: keep the last reading.
            }
        }
        return lastCpuNanos;
    }

    /**
     * The loop timer ran out: SIGTIMEOUT goes to the child like any other signal. A handler
     * there catches it and the process carries on; its default comes back as SIGNAL_END and ends
     * the process as a trap (completion code -1, a primary's backup takes over). The child's
     * reader and signal threads are its own, so a program spinning on its main thread does not
     * keep it from acting on the signal.
     */
    private void loopTimeout() {
        long n = timeoutsRouted.incrementAndGet();
        signal(Signal.SIGTIMEOUT, null);
        try {
            table.loopTimers().chores().schedule(() -> {
                if (timeoutsTaken.get() < n && !ended.isDone()) {
                    LOG.log(System.Logger.Level.WARNING, "{0}: its JVM did not take SIGTIMEOUT within {1} ms; "
                            + "ended by its CPU", info.descriptor(), SIGTIMEOUT_TAKEN_WITHIN_MILLIS);
                    ended(Signal.SIGTIMEOUT, "SIGTIMEOUT: the loop timer ran out and the process's JVM did not take "
                            + "the signal within " + SIGTIMEOUT_TAKEN_WITHIN_MILLIS + " ms");
                }
            }, SIGTIMEOUT_TAKEN_WITHIN_MILLIS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // The CPU is closing: its processes end with it.
        }
    }

    @Override
    public void signalTaken(Signal signal) {
        if (signal == Signal.SIGTIMEOUT) {
            timeoutsTaken.incrementAndGet();
        }
    }

    /**
     * {@code kill}: the process's signal state lives in its JVM, so the signal goes there. Two
     * exceptions act here: SIGKILL is the Linux SIGKILL (nothing in the child could refuse it,
     * and it works on a wedged JVM too), and SIGABEND, which cannot be caught either, ends the
     * process from this side.
     */
    @Override
    void signal(Signal signal, org.openpair.guardian.ProcessHandle sender) {
        if (signal == null) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "no signal given");
        }
        if (signal == Signal.SIGKILL) {
            super.signal(signal, sender);
            return;
        }
        if (!signal.isCatchable()) {
            if (signal.defaultAction() == Signal.Default.TERMINATE) {
                signalled(signal, sender);
            }
            return;
        }
        Attachment a;
        synchronized (this) {
            a = attachment;
            if (a == null) {
                if (!ended.isDone()) {
                    early.add(new Object[] {signal, sender});
                }
                return;
            }
        }
        a.signal(signal, sender);
    }

    @Override
    public void signalled(Signal signal, org.openpair.guardian.ProcessHandle sender) {
        ended(signal, signal == Signal.SIGTIMEOUT ? "SIGTIMEOUT: the loop timer ran out"
                : signal + (sender == null ? " from the operator" : " from " + sender.descriptor(null)));
    }

    /** A signal ended the process: fenced first (a primary acts no more), recorded, then its JVM killed. */
    private void ended(Signal signal, String detail) {
        if (pair != null) {
            pair.markFenced();
        }
        table.retire(this, signal == Signal.SIGTIMEOUT ? TerminationCause.LOOP_TIMEOUT : TerminationCause.SIGNALLED,
                -1, signal.number(), detail);
        forceStop();
    }

    @Override
    void signalStop() {
        Attachment a = attachment;
        if (a != null) {
            a.requestStop();
        } else {
            super.signalStop();
        }
    }

    @Override
    org.openpair.emulator.metrics.ProcessCensus.Kind censusKind() {
        return org.openpair.emulator.metrics.ProcessCensus.Kind.JAVA;
    }

    @Override
    void release() {
        server.forget(info.handle().verifier());
        LoopTimer t = loopTimer;
        if (t != null) {
            t.close();
        }
        Attachment a = attachment;
        if (a != null) {
            a.close();
        }
        attached.completeExceptionally(new IllegalStateException("ended"));
    }

    // ---- Attachee -----------------------------------------------------------------------

    @Override
    public ProcessContext context() {
        return context;
    }

    @Override
    public void attached(Attachment a) {
        List<Object[]> pending;
        synchronized (this) {
            attachment = a;
            pending = new ArrayList<>(early);
            early.clear();
        }
        if (ended.isDone()) {
            a.close();
            return;
        }
        for (Object[] s : pending) {
            a.signal((Signal) s[0], (org.openpair.guardian.ProcessHandle) s[1]);
        }
        if (stopRequested()) {
            a.requestStop();
        }
        attached.complete(null);
    }

    @Override
    public void ended(boolean abended, String detail) {
        table.retire(this, abended ? TerminationCause.ABENDED : TerminationCause.RETURNED, -1, 0, detail);
    }

    @Override
    public void lost(String why, boolean byPeer) {
        if (ended.isDone()) {
            return;
        }
        if (byPeer && LOST_GRACE_MILLIS > 0) {
            try {
                ended.get(LOST_GRACE_MILLIS, TimeUnit.MILLISECONDS);
                return;  // waitpid said how it ended
            } catch (TimeoutException e) {
                // Still listed as alive: the lost connection is its death.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException e) {
                return;
            }
        }
        LOG.log(System.Logger.Level.WARNING, "{0}: {1}; it is written off and killed", info.descriptor(), why);
        if (pair != null) {
            pair.markFenced();
        }
        table.retire(this, TerminationCause.SIGNALLED, -1, 0, "lost its attach connection: " + why);
        forceStop();
    }

    /** What the CPU serves for this process; out, abend and the signal state live in the child. */
    private final class Served extends LocalContext {
        Served(SpawnRequest request, Guardian guardian) {
            super(AttachedProcess.this, request, guardian);
        }

        @Override
        LoopTimer loopTimer() {
            return loopTimer;
        }

        @Override
        public PrintStream out() {
            throw new IllegalStateException("an OS process writes its own stdout");
        }

        @Override
        public void abend(String reason) {
            throw new IllegalStateException("an OS process abends in its own JVM");
        }

        @Override
        public Signals signals() {
            throw new IllegalStateException("an OS process's signal state lives in its own JVM");
        }
    }
}
