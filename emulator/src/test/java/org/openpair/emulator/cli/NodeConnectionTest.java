package org.openpair.emulator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.attach.AdminSocket;
import org.openpair.emulator.config.LoopbackPorts;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.cpu.EmbeddedNode;

/**
 * Which way the command reaches a node: a CPU's admin socket when one in the node's private
 * directory welcomes it as a CPU of that node; otherwise the engine, as before.
 */
class NodeConnectionTest {
    private static Path runDir;
    private static EmbeddedNode node;

    @BeforeAll
    static void start() throws IOException {
        runDir = Files.createTempDirectory("opr-nc-");
        node = EmbeddedNode.start(TestNodes.config(1).runDir(runDir).build(), 1);
    }

    @AfterAll
    static void close() {
        if (node != null) {
            node.close();
        }
    }

    private static NodeConfig configWith(Path dir) {
        return node.config().toBuilder().runDir(dir).build();
    }

    @Test
    void theNodesOwnSocket_isTaken() {
        try (NodeConnection c = NodeConnection.open(configWith(runDir))) {
            assertThat(c.route()).isEqualTo(NodeConnection.Route.ADMIN_SOCKET);
            assertThat(NodeConnection.lastRoute()).isEqualTo(NodeConnection.Route.ADMIN_SOCKET);
            assertThat(c.guardian().cpus()).hasSize(1);
        }
    }

    @Test
    void anEmptyRunDir_takesTheEngine(@TempDir Path empty) {
        try (NodeConnection c = NodeConnection.open(configWith(empty))) {
            assertThat(c.route()).isEqualTo(NodeConnection.Route.ENGINE);
            assertThat(c.guardian().cpus()).hasSize(1);
        }
    }

    @Test
    void aNodeDirectoryOpenToOthers_isNotTrusted_theEngineIsTaken() throws IOException {
        Path dir = runDir.resolve(node.config().nodeName());
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-x---"));
        try (NodeConnection c = NodeConnection.open(configWith(runDir))) {
            assertThat(c.route()).isEqualTo(NodeConnection.Route.ENGINE);
        } finally {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        try (NodeConnection c = NodeConnection.open(configWith(runDir))) {
            assertThat(c.route()).isEqualTo(NodeConnection.Route.ADMIN_SOCKET);
        }
    }

    @Test
    void aSocketOfAnotherNode_andAStaleOne_areSkipped(@TempDir Path tmp) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("run"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        // CPU 1's file of \OTHER is answered by a CPU of this node: its WELCOME names the wrong node.
        AdminSocket wrong = AdminSocket.open(dir, "OTHER", 1, node.cpu(0).guardian()).orElseThrow();
        Path stale = AdminSocket.socketPath(dir, "OTHER", 0);
        try (ServerSocketChannel gone = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            gone.bind(UnixDomainSocketAddress.of(stale));
        }
        try {
            NodeConfig other = NodeConfig.builder().nodeName("OTHER").basePort(LoopbackPorts.block(16)).runDir(dir).build();
            // Neither socket is \OTHER's, and no CPU of \OTHER listens: the engine path's verdict.
            assertThatThrownBy(() -> NodeConnection.open(other)).isInstanceOf(NodeUnreachableException.class)
                    .hasMessageContaining("not running");
        } finally {
            wrong.close();
        }
    }
}
