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

    /** True once another process or the operator has stopped this process. */
    boolean isStopRequested();

    /**
     * Ends the process with an abend (completion code 5) and the given reason; does not
     * return.
     */
    void abend(String reason);
}
