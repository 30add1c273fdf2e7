package org.openpair.emulator.attach;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

import org.openpair.emulator.security.NodeKey;
import org.openpair.guardian.Guardian;

/**
 * A CPU's admin socket, {@code <run-dir>/<node>/cpuN.sock}: where the {@code guardian} command
 * on the same machine asks the node as a guest (see {@link AttachSession}) instead of starting
 * an engine client, which costs it most of a second. The trust is the file system's: the run
 * directory and the node's directory are the user's own and private (0700), the socket 0600,
 * so only the user who runs the node can connect; a directory that is not private is refused
 * and the CPU runs without an admin socket, as it does when the socket cannot be made for any
 * other reason. The command then takes the engine path.
 */
public final class AdminSocket implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AdminSocket.class.getName());
    private static final Set<PosixFilePermission> NOT_PRIVATE = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private final AttachServer server;
    private final Path socket;
    /** The socket file this CPU made, so a close never removes a later CPU's socket at the same path. */
    private final Object fileKey;

    private AdminSocket(AttachServer server, Path socket, Object fileKey) {
        this.server = server;
        this.socket = socket;
        this.fileKey = fileKey;
    }

    /** The socket of CPU {@code cpu} of node {@code node} under {@code runDir}. */
    public static Path socketPath(Path runDir, String node, int cpu) {
        return runDir.resolve(node).resolve("cpu" + cpu + ".sock");
    }

    /**
     * Opens CPU {@code cpu}'s admin socket, serving {@code operator}'s procedures to guests; empty
     * (with a warning logged) when the directories are not private, another live CPU of this node
     * and number answers at the path, or the socket cannot be made. A socket file nobody answers
     * at is a crashed CPU's and is replaced.
     */
    public static Optional<AdminSocket> open(Path runDir, String node, int cpu, Guardian operator) {
        return open(runDir, node, cpu, operator, null);
    }

    /** As {@link #open(Path, String, int, Guardian)}, with guests proving {@code key} (null: none). */
    public static Optional<AdminSocket> open(Path runDir, String node, int cpu, Guardian operator, NodeKey key) {
        Path socket = socketPath(runDir, node, cpu);
        try {
            String refusal = NodeSocketDir.prepare(runDir, socket.getParent());
            if (refusal != null) {
                LOG.log(System.Logger.Level.WARNING, "CPU {0}: no admin socket: {1}; 'guardian' commands will use the "
                        + "engine", cpu, refusal);
                return Optional.empty();
            }
            boolean stale = Files.exists(socket, LinkOption.NOFOLLOW_LINKS);
            refusal = NodeSocketDir.free(socket);
            if (refusal != null) {
                LOG.log(System.Logger.Level.WARNING, "CPU {0}: no admin socket for \\{1}: {2}", cpu, node, refusal);
                return Optional.empty();
            }
            if (stale) {
                LOG.log(System.Logger.Level.INFO, "CPU {0}: replaced the stale admin socket {1}", cpu, socket);
            }
            AttachServer server = AttachServer.openGuests(cpu, socket, operator, key,
                    Long.getLong("openpair.attach.handshakeMillis", 5000), Long.getLong("openpair.attach.stallMillis", 5000));
            Object fileKey = NodeSocketDir.fileKey(socket);
            LOG.log(System.Logger.Level.DEBUG, "CPU {0}: admin socket {1}", cpu, socket);
            return Optional.of(new AdminSocket(server, socket, fileKey));
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "CPU {0}: no admin socket at {1}: {2}", cpu, socket, e.toString());
            return Optional.empty();
        }
    }

    /**
     * Why {@code dir} may not hold admin sockets, or null: it must be a directory (not a link)
     * owned by this process's user, with no permission for group or others. The command checks
     * the same before it trusts a socket there.
     */
    public static String whyNotPrivate(Path dir) {
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return dir + " cannot be read: " + e.getMessage();
        }
        if (!a.isDirectory()) {
            return dir + " is not a directory";
        }
        String me = System.getProperty("user.name");
        if (!a.owner().getName().equals(me)) {
            return dir + " is owned by " + a.owner().getName() + ", not " + me;
        }
        Set<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
        open.addAll(a.permissions());
        open.retainAll(NOT_PRIVATE);
        if (!open.isEmpty()) {
            return dir + " is open to others (" + PosixFilePermissions.toString(a.permissions()) + "; it must be rwx------)";
        }
        return null;
    }

    public Path path() {
        return socket;
    }

    /** Guest connections open now, for tests. */
    public int connections() {
        return server.connections();
    }

    /** Closes the socket and its sessions and removes the file, if it is still this CPU's. */
    @Override
    public void close() {
        server.close();
        try {
            NodeSocketDir.removeIfOwn(socket, fileKey);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "admin socket {0} already gone: {1}", socket, e.toString());
        }
    }
}
