package org.openpair.emulator.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.openpair.emulator.netns.NetnsLab;

/**
 * A peer that cannot be reached is not a dead peer. A cut-off host (a network namespace whose
 * link is down, so it answers no ARP) makes a connect fail with EHOSTUNREACH; only a refusal
 * (the peer's kernel answered, nothing listens) is the kernel's evidence that a CPU's JVM is
 * gone. With the namespace reachable again and nothing listening, the same connect is refused,
 * and that is evidence. Needs root for the namespace; skipped without it.
 */
class UnreachableIsNotDeathTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int PORT = 7;

    @Test
    void connectToACutOffHost_isSilence_whileARefusalByItsKernelIsEvidence() {
        NetnsLab lab;
        try {
            lab = NetnsLab.create(1);
        } catch (NetnsLab.Unavailable e) {
            assumeTrue(false, "network namespaces unavailable: " + e.getMessage());
            return;
        }
        try (lab) {
            InetSocketAddress address = new InetSocketAddress(lab.address(0), PORT);
            Hello own = new Hello("TEST", 0, LinkOptions.DEFAULT_MAX_PAYLOAD);

            lab.cut(0);
            LinkException unreachable = catchThrowableOfType(LinkException.class,
                    () -> LinkClient.connect(lab.address(0), PORT, "TEST", 0, WAIT));
            assertThat(unreachable).as("connect to a cut-off host").isNotNull();
            assertThat(unreachable.kind()).as("%s", unreachable.getMessage()).isEqualTo(LinkException.Kind.LINK_DOWN);
            assertThat(PeerProbe.probe(address, own, WAIT)).as("probe of a cut-off host")
                    .isEqualTo(PeerProbe.Outcome.SILENT);

            lab.heal(0);
            LinkException refused = catchThrowableOfType(LinkException.class,
                    () -> LinkClient.connect(lab.address(0), PORT, "TEST", 0, WAIT));
            assertThat(refused).as("connect to a reachable host where nothing listens").isNotNull();
            assertThat(refused.kind()).as("%s", refused.getMessage()).isEqualTo(LinkException.Kind.PEER_GONE);
            assertThat(PeerProbe.probe(address, own, WAIT)).isEqualTo(PeerProbe.Outcome.REFUSED);
        }
    }
}
