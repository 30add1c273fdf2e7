package org.openpair.emulator.node;

import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.Termination;

/**
 * What one CPU does for the rest of the node: create and stop its own processes. Calls reach
 * it directly when caller and CPU share a JVM, and as a {@link CpuTask} on the CPU's member
 * otherwise.
 */
public interface CpuService {
    /** Key of the CPU in its Hazelcast member's user context. */
    String USER_CONTEXT_KEY = "openpair.cpu";

    int number();

    /** Creates a process here; {@code request.cpu()} is this CPU's number. */
    ProcessInfo spawnLocal(SpawnRequest request, ProcessHandle ancestor);

    /** Stops a process of this CPU and returns its termination once it is gone. */
    Termination stopLocal(ProcessHandle target, ProcessHandle killer);
}
