package org.openpair.emulator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

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
        int ephemeralStart = Files.exists(range)
                ? Integer.parseInt(Files.readString(range).trim().split("\\s+")[0]) : LoopbackPorts.DEFAULT_HIGH;
        assertThat(LoopbackPorts.high()).isLessThanOrEqualTo(Math.max(LoopbackPorts.LOW + 1000, ephemeralStart));
        for (int i = 0; i < 200; i++) {
            int base = LoopbackPorts.block(16);
            assertThat(base).isGreaterThanOrEqualTo(LoopbackPorts.LOW);
            assertThat(base + 16).isLessThanOrEqualTo(LoopbackPorts.high());
        }
        assertThat(LoopbackPorts.allFree(LoopbackPorts.block(16), 16)).isTrue();
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
