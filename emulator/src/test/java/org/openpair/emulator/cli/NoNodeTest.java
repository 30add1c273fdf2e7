package org.openpair.emulator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpair.emulator.config.ConfigSources;
import org.openpair.emulator.config.LoopbackPorts;

/**
 * {@code guardian status} where no node runs: one line, which names exit code 3, and exit 3;
 * and where something that is no node listens, the slower engine verdict, still one line.
 */
class NoNodeTest {
    @TempDir
    Path dir;

    private ConfigSources sourcesFor(int basePort) {
        return new ConfigSources(dir, dir, Map.of("OPENPAIR_NODE", "NOBODY", "OPENPAIR_BASE_PORT", String.valueOf(basePort)), dir);
    }

    @Test
    void status_whereNothingListens_saysTheNodeIsNotRunning_inOneLineNamingExit3() {
        int base = LoopbackPorts.block(16);
        InProcess.Result r = InProcess.execute(sourcesFor(base), "status");
        assertThat(r.exitCode()).as("%s", r).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(r.errLines()).as("%s", r).containsExactly("guardian: node \\NOBODY is not running: no CPU answers at 127.0.0.1:"
                + base + "-" + (base + 15) + " (connection refused); start one with 'guardian node up' [exit 3]");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void status_whereSomethingElseListens_isNotCalledNotRunning_butUnreachable_inOneLine() throws IOException {
        int base = LoopbackPorts.block(16);
        try (ServerSocket notANode = new ServerSocket()) {
            notANode.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), base + 1));
            InProcess.Result r = InProcess.execute(sourcesFor(base), "status");
            assertThat(r.exitCode()).as("%s", r).isEqualTo(ExitCodes.UNREACHABLE);
            assertThat(r.errLines()).as("%s", r).singleElement().asString()
                    .startsWith("guardian: node \\NOBODY does not answer at 127.0.0.1:")
                    .endsWith("[exit 3]")
                    .doesNotContain("not running").doesNotContain("error 66");
            assertThat(r.out()).isEmpty();
        }
    }

    @Test
    void theProbe_findsTheOneAddressThatAccepts() throws IOException {
        int base = LoopbackPorts.block(3);
        java.util.List<String> members = java.util.List.of("127.0.0.1:" + base, "127.0.0.1:" + (base + 1), "127.0.0.1:" + (base + 2));
        NodeProbe.Result none = NodeProbe.probe(members, NodeProbe.TIMEOUT);
        assertThat(none.answered()).isFalse();
        assertThat(none.reasons()).containsExactly("connection refused");
        try (ServerSocket listener = new ServerSocket()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), base + 2));
            assertThat(NodeProbe.probe(members, NodeProbe.TIMEOUT).answered()).isTrue();
        }
    }

    @Test
    void summarize_shortensARange_andListsTheRest() {
        assertThat(NodeProbe.summarize(java.util.List.of("127.0.0.1:5801", "127.0.0.1:5802", "127.0.0.1:5803")))
                .isEqualTo("127.0.0.1:5801-5803");
        assertThat(NodeProbe.summarize(java.util.List.of("127.0.0.1:5801"))).isEqualTo("127.0.0.1:5801");
        assertThat(NodeProbe.summarize(java.util.List.of("a:1", "b:1"))).isEqualTo("a:1, b:1");
        assertThat(NodeProbe.summarize(java.util.List.of("a:1", "b:1", "c:1", "d:1"))).isEqualTo("a:1 ... d:1 (4 addresses)");
    }
}
