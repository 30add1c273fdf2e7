package org.openpair.emulator.attach;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The node's directory under the run directory, {@code <run-dir>/<node>}, where a CPU keeps its
 * sockets: the admin socket {@code cpuN.sock} and the attach socket {@code attach-cpuN.sock}. The
 * paths are fixed so that the next CPU of a number replaces what a killed one left (a killed JVM
 * removes nothing), and private to the user, since the file system is what guards them.
 */
final class NodeSocketDir {
    private NodeSocketDir() {
    }

    /**
     * Makes {@code nodeDir} (0700) under {@code runDir} if it is not there; why the two may not
     * hold sockets ({@link AdminSocket#whyNotPrivate}), or null.
     */
    static String prepare(Path runDir, Path nodeDir) throws IOException {
        Files.createDirectories(nodeDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        String refusal = AdminSocket.whyNotPrivate(runDir);
        return refusal != null ? refusal : AdminSocket.whyNotPrivate(nodeDir);
    }

    /**
     * Readies {@code socket} for a bind: null if nothing is there, or if what was there was a
     * socket nobody answers at (a killed CPU's), which is removed; otherwise why the path cannot
     * be taken (a live CPU answers there, or the file is no socket).
     */
    static String free(Path socket) throws IOException {
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        if (answers(socket)) {
            return "another live CPU of this number answers at " + socket;
        }
        if (!Files.readAttributes(socket, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther()) {
            return socket + " exists and is no socket";
        }
        Files.delete(socket);
        return null;
    }

    /** The identity of the file at {@code socket}, so that a close removes only its own. */
    static Object fileKey(Path socket) throws IOException {
        return Files.readAttributes(socket, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    /** Removes {@code socket} if it is still the file {@code fileKey}; false if it is gone or another's. */
    static boolean removeIfOwn(Path socket, Object fileKey) throws IOException {
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(socket, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException gone) {
            return false;
        }
        if (a.fileKey() == null || !a.fileKey().equals(fileKey)) {
            return false;
        }
        Files.delete(socket);
        return true;
    }

    /** Whether something accepts connections at {@code socket}: a live CPU, not a killed one's leftover. */
    static boolean answers(Path socket) {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
