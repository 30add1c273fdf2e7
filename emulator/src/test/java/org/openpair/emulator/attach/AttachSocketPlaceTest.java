package org.openpair.emulator.attach;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a CPU's attach socket lives: at a fixed path in the node's private directory, so that
 * the next CPU of a number replaces the file a killed one left (a killed JVM removes nothing, and
 * a fresh directory per CPU start left one behind for every crash); elsewhere, in a private
 * directory of its own, when that path belongs to a live CPU or the run directory is not private,
 * and then the other CPU's socket is left alone.
 */
class AttachSocketPlaceTest {
    private static final long MILLIS = 5000;

    private static Path privateDir(Path parent, String name) throws Exception {
        Path dir = Files.createDirectories(parent.resolve(name));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        return dir;
    }

    @Test
    void aKilledCpusSocket_isReplacedAtTheFixedPath_andRemovedOnClose(@TempDir Path tmp) throws Exception {
        Path runDir = privateDir(tmp, "run");
        Path fixed = AttachServer.socketPath(runDir, "ATT", 2);
        privateDir(runDir, "ATT");
        try (ServerSocketChannel killed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            killed.bind(UnixDomainSocketAddress.of(fixed));
        }
        assertThat(fixed).exists();   // what a killed CPU leaves: a file nobody answers at

        AttachServer attach = AttachServer.open(2, runDir, "ATT", MILLIS, MILLIS);
        try {
            assertThat(attach.socketPath()).isEqualTo(fixed);
            assertThat(NodeSocketDir.answers(fixed)).as("the new CPU serves at the fixed path").isTrue();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fixed))).isEqualTo("rw-------");
        } finally {
            attach.close();
        }
        assertThat(fixed).doesNotExist();
        assertThat(fixed.getParent()).as("the node's directory stays: the admin socket lives there too").isDirectory();
    }

    @Test
    void aLiveCpusSocket_isLeftAlone_andTheSecondGoesToADirectoryOfItsOwn(@TempDir Path tmp) throws Exception {
        Path runDir = privateDir(tmp, "run");
        Path fixed = AttachServer.socketPath(runDir, "ATT", 4);
        AttachServer live = AttachServer.open(4, runDir, "ATT", MILLIS, MILLIS);
        try {
            assertThat(live.socketPath()).isEqualTo(fixed);
            AttachServer second = AttachServer.open(4, runDir, "ATT", MILLIS, MILLIS);
            Path elsewhere = second.socketPath();
            try {
                assertThat(elsewhere).isNotEqualTo(fixed);
                assertThat(NodeSocketDir.answers(elsewhere)).isTrue();
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(elsewhere.getParent())))
                        .isEqualTo("rwx------");
            } finally {
                second.close();
            }
            assertThat(elsewhere.getParent()).as("the second's own directory goes with it").doesNotExist();
            assertThat(NodeSocketDir.answers(fixed)).as("the live CPU's socket is untouched").isTrue();
        } finally {
            live.close();
        }
        assertThat(fixed).doesNotExist();
    }

    @Test
    void aRunDirectoryOpenToOthers_orNone_isNotUsed(@TempDir Path tmp) throws Exception {
        Path open = Files.createDirectories(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (Path runDir : new Path[] {open, null}) {
            AttachServer attach = AttachServer.open(5, runDir, "ATT", MILLIS, MILLIS);
            Path dir = attach.socketPath().getParent();
            try {
                assertThat(attach.socketPath()).isNotEqualTo(AttachServer.socketPath(open, "ATT", 5));
                assertThat(NodeSocketDir.answers(attach.socketPath())).isTrue();
            } finally {
                attach.close();
            }
            assertThat(dir).doesNotExist();
        }
        assertThat(AttachServer.socketPath(open, "ATT", 5)).doesNotExist();
    }

    @Test
    void aFileThatIsNoSocket_isLeftAlone(@TempDir Path tmp) throws Exception {
        Path runDir = privateDir(tmp, "run");
        Path fixed = AttachServer.socketPath(runDir, "ATT", 6);
        privateDir(runDir, "ATT");
        Files.writeString(fixed, "not a socket");

        AttachServer attach = AttachServer.open(6, runDir, "ATT", MILLIS, MILLIS);
        try {
            assertThat(attach.socketPath()).isNotEqualTo(fixed);
        } finally {
            attach.close();
        }
        assertThat(Files.readString(fixed)).isEqualTo("not a socket");
    }
}
