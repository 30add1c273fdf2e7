package org.openpair.guardian;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A hosted program's view of its own process: its handle and name, its arguments, its log,
 * and the {@link Guardian} procedures it calls with itself as the caller (so a stop it
 * issues names it as the killer, and a spawn names it as the ancestor).
 */
public interface ProcessContext {

    /** This process's handle. */
    ProcessHandle self();

    /** This process's name, if it was created with one. */
    Optional<ProcessName> name();

    /** The program arguments given to PROCESS_SPAWN_. */
    List<String> args();

    /** The environment given to PROCESS_SPAWN_ (only the variables the spawn added). */
    Map<String, String> env();

    /** The Guardian procedures, called as this process. */
    Guardian guardian();

    /** The process's log: its per-process log file, as an OS process's stdout is. */
    PrintStream out();

    /** This process's role now: it changes at a takeover or a switch. */
    PairRole role();

    /**
     * PROCESS_SPAWN_ name option 3: creates this named process's backup, running the same
     * program with the same arguments, on {@code cpu} (or {@link SpawnRequest#ANY_CPU} for the
     * least loaded other CPU), re-created as {@code policy} says when it dies. Returns once the
     * backup is running and holds the checkpointed state of {@link #state()}, and everything
     * checkpointed or replied meanwhile: it may be called on a thread of its own while this
     * process serves, which it then does as without a backup ({@link CheckpointResult#NO_BACKUP}),
     * since a backup still being filled cannot take over.
     *
     * @throws GuardianException 22 this process is unnamed; 2 same CPU as this one or called by a
     *                           backup; 12 the pair has a backup already; 66 no other CPU is up
     */
    ProcessHandle createBackup(int cpu, RestartPolicy policy);

    /**
     * Sends a checkpoint to the backup and returns once the backup holds it, or at once with
     * {@link CheckpointResult#NO_BACKUP} when no backup could take over (none, or one still
     * being filled by {@link #createBackup}). Checkpoints reach the backup in call order, each
     * once; the backup applies every one it acknowledged before it acts as primary.
     *
     * @throws GuardianException 22 larger than {@link #MAX_CHECKPOINT_BYTES}; 210 this process is
     *                           no longer the primary (a switch or a fencing happened: see
     *                           {@link #role()}); a fenced primary is being stopped
     */
    CheckpointResult checkpoint(byte[] data);

    /**
     * Pipelined {@link #checkpoint}: returns at once; the future completes when the backup
     * holds the checkpoint. Futures complete in call order.
     */
    java.util.concurrent.CompletableFuture<CheckpointResult> checkpointAsync(byte[] data);

    /** Largest checkpoint accepted. */
    int MAX_CHECKPOINT_BYTES = 1 << 20;

    /**
     * The process's checkpointed key-value state: every change is a checkpoint, the backup
     * holds a copy, and a new backup receives the whole of it when created.
     */
    CheckpointedMap state();

    /**
     * For a backup: applies the primary's checkpoints, in order, through {@code applier}
     * (the {@link #state()} changes are applied without it), and returns when this process
     * has become the primary, after every acknowledged checkpoint was applied. A busy pair's
     * checkpoints are handed to the applier in batches (256, 1 MiB, or 2 ms' worth), so it may
     * lag the primary by up to a batch until the takeover.
     *
     * @throws GuardianException 2 called by a primary; 40 interrupted (the process is stopping)
     */
    Takeover awaitTakeover(java.util.function.Consumer<byte[]> applier);

    /**
     * Reads the next system message from $RECEIVE (-101, -2, -3), waiting at most {@code timeout}.
     */
    Optional<SystemMessage> readSystemMessage(java.time.Duration timeout);

    /** True once another process or the operator has stopped this process. */
    boolean isStopRequested();

    /**
     * Ends the process with an abend (completion code 5) and the given reason; does not
     * return.
     */
    void abend(String reason);

    /**
     * FILE_OPEN_ of $RECEIVE: from now on this process's requests are read with
     * {@link Receive#readUpdate}. A backup opens it after its takeover; until then its
     * requests wait. Opening again changes the depth and the open-message option.
     *
     * @param receiveDepth  how many requests may be read and not yet replied to (1..{@value #MAX_RECEIVE_DEPTH})
     * @param openMessages  whether opens and closes of this process arrive as -103/-104 on
     *                      {@link #readSystemMessage}
     * @throws GuardianException 22 depth out of range; 2 this process has no name (only a named
     *                           process can be opened)
     */
    Receive openReceive(int receiveDepth, boolean openMessages);

    /** The largest receive depth. */
    int MAX_RECEIVE_DEPTH = 4096;

    /**
     * SETLOOPTIMER: arms the process's loop timer for {@code hundredths} of a second of the
     * process's CPU time (the CPU time of all its threads: a process that sleeps or waits does
     * not run it down), or disarms it with 0. When it runs out the timer disarms itself and the
     * process receives {@link Signal#SIGTIMEOUT}, whose default ends the process as a trap
     * (completion code -1, {@link TerminationCause#LOOP_TIMEOUT}), so a primary's backup takes
     * over. Meant to be called on every pass of the main loop; it costs no system call.
     *
     * <p>A thread that keeps running after its process ended this way (a pure spin loop never
     * looks at an interrupt) is fenced at once: every Guardian call it makes fails, and its
     * output is gone. After a grace second OpenPair stops it with {@code Thread.stop} where the
     * JVM still has it (Java 17-19), and otherwise leaves it logged as an orphan.
     *
     * @return the previous setting in hundredths, or 0 if the timer was disarmed (or had fired)
     * @throws GuardianException 2 {@code hundredths} is negative or above 32767 (327.67 s); the
     *                           timer is left as it was
     */
    int setLoopTimer(int hundredths);

    /** The largest loop-timer setting: 32767 hundredths, as NonStop's 16-bit argument. */
    int MAX_LOOP_TIMER = 32767;

    /** The process's signal state and the signal procedures. */
    Signals signals();

    /**
     * Opens the shared segment {@code name} of this node on this machine, creating it with
     * {@code layout} and every field zero if it does not exist yet. Served in the caller's own
     * process (the segment is memory it maps), with no call to the CPU; see
     * {@link SharedSegment} for what the lock guarantees when a holder dies.
     *
     * @throws GuardianException 13 the name is not 1-64 letters, digits, '.', '_' or '-';
     *                           12 the segment exists with another layout (the message names
     *                           both); 40 its creator did not finish creating it within 5 s;
     *                           2 it cannot be created (no room in {@code /dev/shm}, no libc
     *                           robust mutexes)
     */
    SharedSegment sharedSegment(String name, SegmentLayout layout);
}
