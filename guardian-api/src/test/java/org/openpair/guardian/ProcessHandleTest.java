package org.openpair.guardian;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ProcessHandleTest {

    @Test
    void descriptors_namedAndUnnamed() {
        ProcessHandle h = new ProcessHandle("SYS", 1, 23, 4567);
        assertThat(h.descriptor(ProcessName.of("srv"))).isEqualTo("\\SYS.$SRV:4567");
        assertThat(h.descriptor(null)).isEqualTo("\\SYS.$:1:23:4567");
        assertThat(h.cpuPin()).isEqualTo("1,23");
    }

    @Test
    void verifierDistinguishesProcessesOnTheSamePin() {
        assertThat(new ProcessHandle("SYS", 1, 23, 1)).isNotEqualTo(new ProcessHandle("SYS", 1, 23, 2));
    }

    @Test
    void outOfRange_isRefused() {
        assertThatThrownBy(() -> new ProcessHandle("SYS", 16, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ProcessHandle("SYS", 0, 65535, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
