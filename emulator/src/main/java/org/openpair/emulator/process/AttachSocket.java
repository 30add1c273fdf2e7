package org.openpair.emulator.process;

import java.util.Optional;
import java.util.function.BooleanSupplier;

import org.openpair.emulator.attach.AttachServer;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * This CPU's attach socket, where its Java OS processes attach (see {@link AttachedProcess}):
 * opened at the first one, so a CPU that runs none has none, and never opened again once the
 * CPU is down.
 */
final class AttachSocket {
    private final int cpu;
    /** The node's run directory, or null: see {@link AttachServer#open(int, java.nio.file.Path, String, long, long)}. */
    private final java.nio.file.Path runDir;
    private final String node;
    private final BooleanSupplier crashed;
    private AttachServer server;

    AttachSocket(int cpu, java.nio.file.Path runDir, String node, BooleanSupplier crashed) {
        this.cpu = cpu;
        this.runDir = runDir;
        this.node = node;
        this.crashed = crashed;
    }

    /** The socket, opened now if this is the CPU's first Java OS process. */
    synchronized AttachServer open() {
        if (crashed.getAsBoolean()) {
            throw new GuardianException(GuardianError.DEVICE_DOWN, "CPU " + cpu + " is down");
        }
        if (server == null) {
            try {
                server = AttachServer.open(cpu, runDir, node,
                        Long.getLong("openpair.attach.handshakeMillis", 5000), Long.getLong("openpair.attach.stallMillis", 5000));
            } catch (java.io.IOException e) {
                throw new GuardianException(GuardianError.DEVICE_DOWN, "CPU " + cpu + " cannot open its attach socket: "
                        + e.getMessage());
            }
        }
        return server;
    }

    synchronized Optional<AttachServer> current() {
        return Optional.ofNullable(server);
    }

    synchronized void close() {
        if (server != null) {
            server.close();
        }
    }
}
