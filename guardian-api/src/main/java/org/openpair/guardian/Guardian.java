package org.openpair.guardian;

import java.util.List;
import java.util.Optional;

/**
 * The Guardian procedures of one caller: a process (through its {@link ProcessContext}) or
 * the operator (the {@code guardian} command). Every method may be called from any CPU;
 * results reflect the node-wide tables.
 */
public interface Guardian {

    /** The node's name, without its backslash. */
    String nodeName();

    /**
     * PROCESS_SPAWN_: creates a process on the requested CPU (or the least loaded CPU that is
     * up) and returns its handle once it is in the tables and its name, if any, is registered.
     *
     * @throws GuardianException 12 the name is in use by a live process; 14 no such CPU in
     *                           the node; 66 the CPU is down; 11 program not found; 48 the
     *                           file is not executable; 2 the class is not a
     *                           {@link GuardianProgram} or cannot be instantiated; 44 no free
     *                           PIN on the CPU
     */
    ProcessHandle processSpawn(SpawnRequest request);

    /**
     * PROCESS_STOP_: stops the process, records completion code 6 with the caller as killer,
     * removes it and its name from the tables, and returns once it is gone.
     *
     * @throws GuardianException 14 no such process (unknown, or the handle's verifier denotes
     *                           an earlier process); 66 its CPU is down
     */
    void processStop(ProcessHandle process);

    /**
     * PROCESS_STOP_ by name.
     *
     * @throws GuardianException 14 no process has that name
     */
    void processStop(ProcessName name);

    /**
     * PROCESS_STOP_ with a specifier: {@link StopScope#TARGET} the target only (a primary's
     * backup then takes over), {@link StopScope#PAIR} both members, {@link StopScope#OPPOSITE}
     * the caller's partner (the operator has none: error 2).
     *
     * @throws GuardianException 14 no such process; 2 OPPOSITE without a partner
     */
    void processStop(ProcessHandle process, StopScope scope);

    /**
     * PROCESS_GETPAIRINFO_ for a name.
     */
    PairInfo processGetPairInfo(ProcessName name);

    /** PROCESS_GETPAIRINFO_ for a process handle (for an unnamed process: result 7). */
    PairInfo processGetPairInfo(ProcessHandle process);

    /**
     * PROCESSHANDLE_COMPARE_: 2 the same process, 1 the two members of one pair, 0 unrelated.
     */
    int processHandleCompare(ProcessHandle a, ProcessHandle b);

    /**
     * A deliberate switch (CHECKSWITCH from outside): the backup becomes primary with every
     * acknowledged checkpoint applied, the old primary becomes its backup, the epoch rises.
     *
     * @throws GuardianException 14 no such name; 2 the process has no backup
     */
    void switchPair(ProcessName name);

    /** The process registered under a name, if any. */
    Optional<ProcessInfo> lookup(ProcessName name);

    /** The live process a handle denotes, if any (a stale verifier finds nothing). */
    Optional<ProcessInfo> process(ProcessHandle handle);

    /** Every live process of the node, by CPU then PIN. */
    List<ProcessInfo> processes();

    /** The CPUs that are up, by number. */
    List<CpuInfo> cpus();

    /** The recorded death of a process, if it died within the retention time (an hour). */
    Optional<Termination> termination(ProcessHandle handle);

    /** Recorded deaths, newest first. */
    List<Termination> terminations();

    /**
     * FILE_OPEN_ of a named process: binds to the pair's current primary.
     *
     * @param syncDepth how many saved replies the server keeps for this open, and how many
     *                  requests may be in flight on it; 0 means no resend after a takeover
     *                  (see {@link ProcessFile})
     * @throws GuardianException 14 no process has this name; 22 sync depth outside 0..{@value #MAX_SYNC_DEPTH};
     *                           201 the server died during the open
     */
    ProcessFile fileOpen(ProcessName name, int syncDepth);

    /** The largest sync depth an open may ask for. */
    int MAX_SYNC_DEPTH = 64;

    /**
     * {@code kill}: sends {@code signal} to a process, from any CPU. A hosted process acts on it
     * as its {@link Signals} state says; an OS process receives the Linux signal of that name
     * (the NonStop-only signals have none: error 2). Returns once the signal is generated, not
     * when it has been handled.
     *
     * @throws GuardianException 14 no such process; 66 its CPU is down; 2 the signal has no
     *                           equivalent for an OS process
     */
    void kill(ProcessHandle process, Signal signal);

    /**
     * {@code kill} of the primary of a named process.
     *
     * @throws GuardianException 14 no process has that name
     */
    void kill(ProcessName name, Signal signal);

    /**
     * Creates the node-wide robust semaphore {@code name} with {@code permits} permits and the
     * given death policy, or opens it if it exists with the same permits and policy (so every
     * process of an application may call this at start). The caller of the returned semaphore's
     * acquire and release is this Guardian's process.
     *
     * @throws GuardianException 13 the name is not 1-64 of letters, digits, '.', '_', '-';
     *                           2 permits &lt; 1; 12 it exists with other permits or another policy
     */
    RobustSemaphore semaphoreCreate(String name, int permits, DeathPolicy policy);

    /**
     * Opens an existing robust semaphore.
     *
     * @throws GuardianException 13 bad name; 11 no such semaphore
     */
    RobustSemaphore semaphore(String name);

    /** Every robust semaphore of the node, by name. */
    List<SemaphoreInfo> semaphores();

    /**
     * Returns the orphaned permits of a {@link DeathPolicy#ORPHAN} semaphore to it, and returns
     * how many; the next acquirer is told the owner died.
     *
     * @throws GuardianException 13 bad name; 11 no such semaphore
     */
    int semaphorePurge(String name);
}
