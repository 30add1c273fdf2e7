package org.openpair.emulator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.openpair.emulator.config.LoopbackPorts;

/**
 * Private nodes' ports come from below the kernel's ephemeral range, where no outgoing
 * connection or port-0 listener of the CPUs themselves can take one between the check and the
 * bind.
 */
class LoopbackPortsTest {
    @Test
    void blocks_lieBelowTheKernelsEphemeralRange_andAreFreeWhenDrawn() throws Exception {
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        int ephemeralStart = LoopbackPorts.DEFAULT_HIGH;
        if (Files.exists(range)) {
            try (java.io.InputStream in = Files.newInputStream(range)) {
                ephemeralStart = Integer.parseInt(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII)
                        .trim().split("\\s+")[0]);
            }
        }
        assertThat(LoopbackPorts.high()).as("the top of the range, below the kernel's ephemeral ports (%d)", ephemeralStart)
                .isEqualTo(Math.min(50000, Math.max(LoopbackPorts.LOW + 1000, ephemeralStart)));
        for (int i = 0; i < 200; i++) {
            int base = LoopbackPorts.block(16);
            assertThat(base).isGreaterThanOrEqualTo(LoopbackPorts.LOW);
            assertThat(base + 16).isLessThanOrEqualTo(LoopbackPorts.high());
        }
        assertThat(LoopbackPorts.allFree(LoopbackPorts.block(16), 16)).isTrue();
    }

    @Test
    void blocksDrawnOneAfterAnother_neverOverlap_thoughNoneIsBoundYet() {
        // Ten blocks of 16 in 500 ports: room for each next one whatever the gaps the ones before
        // left, while random draws that did not keep clear of them would overlap 19 times in 20.
        int low = freeRange(500);
        java.util.ArrayDeque<int[]> drawn = new java.util.ArrayDeque<>();
        List<Integer> bases = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            bases.add(LoopbackPorts.block(16, low, low + 500, drawn));
        }
        bases.sort(Integer::compare);
        for (int i = 1; i < bases.size(); i++) {
            assertThat(bases.get(i)).as("block %d of %s", i, bases).isGreaterThanOrEqualTo(bases.get(i - 1) + 16);
        }
        assertThat(bases.get(0)).isGreaterThanOrEqualTo(low);
        assertThat(bases.get(bases.size() - 1) + 16).isLessThanOrEqualTo(low + 500);
    }

    /** {@code n} free ports of this JVM's slice. */
    private static int freeRange(int n) {
        int[] slice = LoopbackPorts.slice(System.getProperty(LoopbackPorts.SLICE), LoopbackPorts.LOW, LoopbackPorts.high());
        for (int base = slice[1] - n; base >= slice[0]; base -= 50) {
            if (LoopbackPorts.allFree(base, n)) {
                return base;
            }
        }
        throw new AssertionError("no " + n + " free ports in " + slice[0] + "-" + slice[1]);
    }

    @Test
    void slices_splitTheRangeWithoutOverlap_andNoSliceIsTheWholeRange() {
        assertThat(LoopbackPorts.slice(null, 20000, 32000)).containsExactly(20000, 32000);
        assertThat(LoopbackPorts.slice(" ", 20000, 32000)).containsExactly(20000, 32000);
        assertThat(LoopbackPorts.slice("1/2", 20000, 32000)).containsExactly(20000, 26000);
        assertThat(LoopbackPorts.slice("2/2", 20000, 32000)).containsExactly(26000, 32000);
        assertThat(LoopbackPorts.slice("3/3", 20000, 32001)).containsExactly(28000, 32000);
        assertThat(LoopbackPorts.slice("1/1", 20000, 32000)).containsExactly(20000, 32000);
    }

    @Test
    void aMalformedSlice_isRefusedNamingTheProperty() {
        for (String bad : new String[] {"0/2", "3/2", "1/0", "2", "a/b", "1/2/3", "-1/2"}) {
            assertThatThrownBy(() -> LoopbackPorts.slice(bad, 20000, 32000)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(LoopbackPorts.SLICE);
        }
    }
}
