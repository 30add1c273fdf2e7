package org.openpair.guardian;

import java.time.Instant;

/**
 * A live process as the node's tables show it from any CPU.
 *
 * @param handle   its handle
 * @param name     its name, or {@code null}
 * @param program  what it runs
 * @param priority its priority, 1-199
 * @param pid      the OS process id of an OS process; 0 for a hosted program
 * @param started  when it was created
 * @param ancestor the process that created it, or {@code null} when the operator did
 * @param logFile  its per-process log file
 */
public record ProcessInfo(ProcessHandle handle, ProcessName name, Program program, int priority, long pid,
                          Instant started, ProcessHandle ancestor, String logFile) {

    /** The descriptor of this process: named or unnamed form. */
    public String descriptor() {
        return handle.descriptor(name);
    }
}
